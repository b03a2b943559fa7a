using ChatGlmLab.Checkpoints;
using ChatGlmLab.Generation;
using ChatGlmLab.Generation.Constraints;
using ChatGlmLab.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>How to materialise a model: parameter dtype and device.</summary>
public sealed record ModelLoadOptions
{
    public ScalarType DType { get; init; } = ScalarType.Float32;
    public Device? Device { get; init; }
    /// <summary>
    /// Quantize the block linears to 4 or 8 bits while loading a float checkpoint (one weight at a time).
    /// A checkpoint whose config.json already has quantization_bit is loaded quantized without this.
    /// </summary>
    public int? QuantizationBit { get; init; }
}

/// <summary>
/// ChatGLM-6B with its language-model head: transformer → lm_head (no bias). State-dict keys are the
/// Hugging Face ones ("transformer.layers.0.attention.query_key_value.weight", "lm_head.weight", ...).
/// </summary>
public sealed class ChatGlmForConditionalGeneration : nn.Module<Tensor, ModelOutput>
{
    public ChatGlmModel transformer;
    public Linear lm_head;

    public ChatGlmConfig Config { get; }

    public ChatGlmForConditionalGeneration(ChatGlmConfig config, ModuleFactory factory) : base("ChatGLMForConditionalGeneration")
    {
        config.Validate();
        Config = config;
        // Like upstream's __init__ (quantize(..., empty_init=True)): a quantized config gets quantized block slots.
        if (config.QuantizationBit is int bits)
        {
            if (factory.QuantizationBit is int other && other != bits)
                throw new ArgumentException($"config quantization_bit {bits} conflicts with the module factory's {other}");
            factory = factory with { QuantizationBit = bits };
        }
        else if (factory.QuantizationBit is int factoryBits) config.QuantizationBit = factoryBits; // saved configs record it
        transformer = new ChatGlmModel(config, factory);
        lm_head = new Linear(config.HiddenSize, config.VocabSize, false, factory);
        RegisterComponents();
    }

    /// <summary>A randomly initialised model (for training from scratch) on the CPU.</summary>
    public static ChatGlmForConditionalGeneration Create(ChatGlmConfig config, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        new(config, new ModuleFactory(dtype, device ?? CPU, ParameterInit.Random));

    /// <summary>The model's structure without any memory (meta device): for parameter counts and sizes.</summary>
    public static ChatGlmForConditionalGeneration CreateMeta(ChatGlmConfig config, ScalarType dtype = ScalarType.Float16) =>
        new(config, new ModuleFactory(dtype, META, ParameterInit.Empty));

    /// <summary>
    /// Loads config.json and the weights of a Hugging Face model directory (pytorch_model.bin, sharded
    /// .bin index, model.safetensors or its sharded index), converting to the requested dtype.
    /// </summary>
    public static ChatGlmForConditionalGeneration FromPretrained(string modelDir, ModelLoadOptions? options = null)
    {
        options ??= new ModelLoadOptions();
        var config = ChatGlmConfig.FromPretrained(modelDir);
        if (options.QuantizationBit is int requested)
        {
            if (config.QuantizationBit is int stored && stored != requested)
                throw new InvalidDataException($"{modelDir}: the weights are quantized to {stored} bits (config.json quantization_bit); " +
                    $"they cannot be loaded as {requested}-bit: load a float checkpoint to quantize to {requested} bits");
            config.QuantizationBit = requested;
        }
        var model = new ChatGlmForConditionalGeneration(config, new ModuleFactory(options.DType, options.Device ?? CPU, ParameterInit.Empty));
        if (config.QuantizationBit is null) CheckpointLoader.LoadInto(model, modelDir);
        else QuantizedCheckpointLoader.LoadInto(model, modelDir);
        model.eval();
        return model;
    }

    public override ModelOutput forward(Tensor inputIds) => forward(inputIds, null, null, null);

    /// <param name="inputIds">[batch, seq] int64</param>
    /// <param name="positionIds">[batch, 2, seq], built from the ids when null</param>
    /// <param name="attentionMask">[batch, 1, seq, seq] bool, true = masked; built from the ids when null</param>
    /// <param name="labels">[batch, seq] int64, -100 = ignored; the loss is returned when given</param>
    public ModelOutput forward(Tensor inputIds, Tensor? positionIds, Tensor? attentionMask, Tensor? labels) =>
        Forward(inputIds, positionIds, attentionMask, labels, new ForwardOptions());

    public ModelOutput Forward(Tensor inputIds, Tensor? positionIds, Tensor? attentionMask, Tensor? labels, ForwardOptions options)
    {
        var (hidden, states) = transformer.Forward(inputIds, positionIds, attentionMask, options);
        if (options.LastPositionOnly) hidden = hidden.narrow(1, hidden.shape[1] - 1, 1);
        if (options.LogitsAtLabelsOnly && labels is not null)
        {
            // Keep the rows whose next label is not ignored.
            var nextLabels = NextTokenLabels(labels);
            var predicting = nextLabels.ne(-100L).nonzero().squeeze(1);
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

    /// <summary>Position t predicts token t + 1: the labels shifted left by one, flattened to match rows of positions 0..T-2.</summary>
    private static Tensor NextTokenLabels(Tensor labels) => labels.narrow(1, 1, labels.shape[1] - 1).reshape(-1);

    /// <summary>Generates continuations; returns the prompt followed by the new tokens, [batch, seq + new].</summary>
    public Tensor Generate(Tensor inputIds, GenerationOptions? options = null, Tensor? attentionMask = null, Tensor? positionIds = null,
        Action<long[]>? onTokens = null, IReadOnlyList<Generation.Constraints.ITokenConstraint?>? constraints = null) =>
        TextGenerator.Generate(this, inputIds, options ?? new GenerationOptions(), attentionMask, positionIds, onTokens, constraints);

    /// <summary>The compute dtype of the model (that of its embeddings).</summary>
    public ScalarType DType => transformer.word_embeddings.weight.dtype;
    public Device Device => transformer.word_embeddings.weight.device;
}
