using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>Input of the language model (<see cref="ChatGlmForConditionalGeneration"/>): the tensors and how to run the pass.</summary>
/// <param name="InputIds">[batch, seq] int64</param>
/// <param name="PositionIds">[batch, 2, seq]; built from the ids when null (first step only)</param>
/// <param name="AttentionMask">[batch, 1, seq, seq] bool, true = masked (ChatGLM polarity); built from the ids when null</param>
/// <param name="Labels">[batch, seq] int64, -100 = ignored; the loss is returned when given</param>
public sealed record CausalLMInput(Tensor InputIds, Tensor? PositionIds = null, Tensor? AttentionMask = null, Tensor? Labels = null)
{
    /// <summary>Cache for incremental decoding: filled with this call's keys/values.</summary>
    public KeyValueCache? Cache { get; init; }
    /// <summary>Compute logits for the last position only (what generation needs).</summary>
    public bool LastPositionOnly { get; init; }
    /// <summary>
    /// With labels: compute logits only at the positions that predict a label (the loss is the same mean over the
    /// same positions, so training is unchanged) — the prompt's positions need no vocabulary projection, which
    /// saves the largest matmul and the float32 softmax over most of an SFT batch. Logits are then [labelled, vocab].
    /// </summary>
    public bool LogitsAtLabelsOnly { get; init; }
    /// <summary>Return the input of every layer and the final layer norm's output.</summary>
    public bool OutputHiddenStates { get; init; }
    /// <summary>Use the literal upstream attention arithmetic instead of scaled_dot_product_attention.</summary>
    public bool ExactUpstreamAttention { get; init; }
}
