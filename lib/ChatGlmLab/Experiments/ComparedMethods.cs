using ChatGlmLab.Adapters;

namespace ChatGlmLab.Experiments;

/// <summary>
/// The methods the comparison fine-tunes, in column order, and the notebooks' starting points (notebook 2 starts from
/// <see cref="Lora"/>, 3 from <see cref="PTuning"/>, 4 from <see cref="Freeze"/>). Each is the adapter's own defaults
/// (<see cref="FinetuningOptions"/>, the Python toolkit's) plus only what the comparison changes, with the reason;
/// the learning rates are per method because adapters need larger ones than full fine-tuning.
/// </summary>
public static class ComparedMethods
{
    /// <summary>LoRA on the attention and the MLP's first projection (the toolkit's default is query_key_value only),
    /// so the adapter reaches both halves of a block; rank, alpha and dropout are the toolkit's.</summary>
    public static readonly MethodRecipe Lora = new(FinetuningOptions.For(FinetuningType.Lora) with { LoraTarget = "query_key_value,dense_h_to_4h" }, 5e-3);

    /// <summary>P-Tuning v2 with prefix_projection (the toolkit's default is off): the prefixes are trained through the
    /// two-layer MLP, the reparameterisation the P-Tuning v2 paper offers; pre_seq_len is the toolkit's. lr 2e-3: on the
    /// shipped base model 5e-3 and 1e-2 stalled (BLEU-4 2.3 and 3.1 after 1,000 steps), 2e-3 learned the formats (30.7).</summary>
    public static readonly MethodRecipe PTuning = new(FinetuningOptions.For(FinetuningType.PTuning) with { PrefixProjection = true }, 2e-3);

    /// <summary>Freeze with the last 2 blocks' MLPs trainable (the toolkit's default is 3): the default small base model
    /// has 3 layers, and 3 would leave no block frozen. lr 6e-3: grounded entity F1 22.2 against 15.7 at 3e-3 (1,000 steps).</summary>
    public static readonly MethodRecipe Freeze = new(FinetuningOptions.For(FinetuningType.Freeze) with { NumLayerTrainable = 2 }, 6e-3);

    /// <summary>Every parameter: the reference the adapters are measured against.</summary>
    public static readonly MethodRecipe Full = new(FinetuningOptions.For(FinetuningType.Full), 1e-3);

    public static IReadOnlyList<MethodRecipe> All => [Lora, PTuning, Freeze, Full];
}
