using ChatGlmLab.Checkpoints;
using ChatGlmLab.Generation;
using ChatGlmLab.Generation.Constraints;
using ChatGlmLab.Modeling;
using ChatGlmLab.Quantization;
using static TorchSharp.torch;

namespace ChatGlmLab;

/// <summary>
/// The model's loading and generation entry points, kept on the model type for the README's API
/// (<c>ChatGlmForConditionalGeneration.FromPretrained(dir)</c>, <c>model.Generate(ids, options)</c>) while Modeling stays
/// below Checkpoints' loaders, Quantization and Generation: C# 14 extension members in the root namespace, visible
/// with <c>using ChatGlmLab;</c> and from every ChatGlmLab.* namespace. Code inside the library's lower folders calls
/// what these forward to (CheckpointLoader, QuantizedCheckpointLoader, Quantizer, TextGenerator) instead.
/// </summary>
public static class ChatGlmForConditionalGenerationExtensions
{
    extension(ChatGlmForConditionalGeneration)
    {
        /// <summary>
        /// Loads config.json and the weights of a Hugging Face model directory (pytorch_model.bin, sharded
        /// .bin index, model.safetensors or its sharded index), converting to the requested dtype; quantized
        /// when config.json has quantization_bit or <see cref="ModelLoadOptions.QuantizationBit"/> asks for it.
        /// </summary>
        public static ChatGlmForConditionalGeneration FromPretrained(string modelDir, ModelLoadOptions? options = null)
        {
            options ??= new ModelLoadOptions();
            var config = ChatGlmConfig.FromPretrained(modelDir);
            if (options.QuantizationBit is int requested && config.QuantizationBit is int stored && stored != requested)
                throw new InvalidDataException($"{modelDir}: the weights are quantized to {stored} bits (config.json quantization_bit); " +
                    $"they cannot be loaded as {requested}-bit: load a float checkpoint to quantize to {requested} bits");
            if (options.KeepFloat != null && config.QuantizationBit is int storedBits)
                throw new InvalidDataException($"{modelDir}: the weights are stored quantized ({storedBits} bits), so no layer can be loaded in float " +
                    "(as Freeze on a quantized base needs): load the float checkpoint with quantization_bit instead");
            var factory = new ModuleFactory(options.DType, options.Device ?? CPU, ParameterInit.Empty);
            int? bits = options.QuantizationBit ?? config.QuantizationBit;
            ChatGlmForConditionalGeneration model;
            if (bits is null)
            {
                model = new ChatGlmForConditionalGeneration(config, factory);
                CheckpointLoader.LoadInto(model, modelDir);
            }
            else
            {
                model = Quantizer.CreateModel(config, factory, bits, options.KeepFloat);
                QuantizedCheckpointLoader.LoadInto(model, modelDir);
            }
            model.eval();
            return model;
        }
    }

    extension(ChatGlmForConditionalGeneration model)
    {
        /// <summary>Generates continuations; returns the prompt followed by the new tokens, [batch, seq + new] (see <see cref="TextGenerator"/>).</summary>
        public Tensor Generate(Tensor inputIds, GenerationOptions? options = null, Tensor? attentionMask = null, Tensor? positionIds = null,
            Action<long[]>? onTokens = null, IReadOnlyList<ITokenConstraint?>? constraints = null) =>
            TextGenerator.Generate(model, inputIds, options ?? new GenerationOptions(), attentionMask, positionIds, onTokens, constraints);
    }
}
