using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>
/// ChatGLM-6B with its language-model head: transformer → lm_head (no bias). State-dict keys are the
/// Hugging Face ones ("transformer.layers.0.attention.query_key_value.weight", "lm_head.weight", ...).
/// Loading a directory (FromPretrained) and generation (Generate) need Checkpoints, Quantization and Generation,
/// which sit above Modeling: they are extension members in the root namespace (ChatGlmForConditionalGenerationExtensions).
/// </summary>
public sealed class ChatGlmForConditionalGeneration : nn.Module<CausalLMInput, ModelOutput>
{
    public ChatGlmModel transformer;
    public Linear lm_head;

    public ChatGlmConfig Config { get; }

    public ChatGlmForConditionalGeneration(ChatGlmConfig config, ModuleFactory factory) : base("ChatGLMForConditionalGeneration")
    {
        config.Validate();
        // Upstream's __init__ quantizes a quantized config's blocks (quantize(..., empty_init=True)); here the
        // quantized slots come from the Quantization folder, which supplies the block-linear factory.
        if (config.QuantizationBit is int bits && factory.BlockLinear is null)
            throw new ArgumentException($"the config has quantization_bit {bits}: its block linears are quantized slots, which Modeling " +
                "does not make. Construct it with ChatGlmLab.Quantization.Quantizer.CreateModel(config, factory) (which supplies " +
                "QuantizedLinear.SlotFactory(bits)), or load a directory with ChatGlmForConditionalGeneration.FromPretrained (using ChatGlmLab;)");
        Config = config;
        transformer = new ChatGlmModel(config, factory);
        lm_head = new Linear(config.HiddenSize, config.VocabSize, false, factory);
        RegisterComponents();
    }

    /// <summary>A randomly initialised float model (for training from scratch) on the CPU.</summary>
    public static ChatGlmForConditionalGeneration Create(ChatGlmConfig config, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        new(config, new ModuleFactory(dtype, device ?? CPU, ParameterInit.Random));

    /// <summary>The float model's structure without any memory (meta device): for parameter counts and sizes.</summary>
    public static ChatGlmForConditionalGeneration CreateMeta(ChatGlmConfig config, ScalarType dtype = ScalarType.Float16) =>
        new(config, new ModuleFactory(dtype, META, ParameterInit.Empty));

    public override ModelOutput forward(CausalLMInput input)
    {
        var labels = input.Labels;
        var (hidden, states) = transformer.forward(new ChatGlmModelInput(input.InputIds, input.PositionIds, input.AttentionMask)
        {
            Cache = input.Cache, OutputHiddenStates = input.OutputHiddenStates, ExactUpstreamAttention = input.ExactUpstreamAttention,
        });
        if (input.LastPositionOnly) hidden = hidden.narrow(1, hidden.shape[1] - 1, 1);
        if (input.LogitsAtLabelsOnly && labels is not null)
        {
            // Keep the rows whose next label is not ignored.
            var nextLabels = NextTokenLabels(labels);
            var predicting = nextLabels.ne(IgnoredLabel).nonzero().squeeze(1);
            var rows = hidden.narrow(1, 0, hidden.shape[1] - 1).reshape(-1, hidden.shape[2]).index_select(0, predicting);
            var labelledLogits = lm_head.forward(rows);
            var labelledLoss = nn.functional.cross_entropy(labelledLogits.to(ScalarType.Float32), nextLabels.index_select(0, predicting));
            return new ModelOutput { Logits = labelledLogits, Loss = labelledLoss, HiddenStates = states };
        }
        var logits = lm_head.forward(hidden);
        Tensor? loss = null;
        if (labels is not null)
        {
            // Upstream: float32 logits, shift by one, CrossEntropy(ignore_index=-100), mean.
            long vocab = logits.shape[2];
            var shiftLogits = logits.narrow(1, 0, logits.shape[1] - 1).to(ScalarType.Float32).reshape(-1, vocab);
            loss = nn.functional.cross_entropy(shiftLogits, NextTokenLabels(labels), ignore_index: -100);
        }
        return new ModelOutput { Logits = logits, Loss = loss, HiddenStates = states };
    }

    // The two overloads below are the README's calls (HF-style positional arguments), kept source-compatible. They
    // are conveniences that build the input record and call the one typed forward above; they do no work of their own.

    /// <summary>Logits of every position; mask and positions built from the ids. [batch, seq] int64 → Logits [batch, seq, vocab].</summary>
    public ModelOutput forward(Tensor inputIds) => forward(new CausalLMInput(inputIds));

    /// <summary>See <see cref="CausalLMInput"/>: mask in ChatGLM polarity (true = masked); the loss is returned when labels are given.</summary>
    public ModelOutput forward(Tensor inputIds, Tensor? positionIds, Tensor? attentionMask, Tensor? labels) =>
        forward(new CausalLMInput(inputIds, positionIds, attentionMask, labels));

    // The label ignored by the loss (HF's -100), held once: see Runtime/Scalars.
    private static readonly TorchSharp.Scalar IgnoredLabel = TorchSharp.ScalarExtensionMethods.ToScalar(-100L);

    /// <summary>Position t predicts token t + 1: the labels shifted left by one, flattened to match rows of positions 0..T-2.</summary>
    private static Tensor NextTokenLabels(Tensor labels) => labels.narrow(1, 1, labels.shape[1] - 1).reshape(-1);

    /// <summary>The compute dtype of the model (that of its embeddings).</summary>
    public ScalarType DType => transformer.word_embeddings.weight.dtype;
    public Device Device => transformer.word_embeddings.weight.device;
}
