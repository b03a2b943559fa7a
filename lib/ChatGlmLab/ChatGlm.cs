using ChatGlmLab.Adapters;
using ChatGlmLab.Modeling;
using ChatGlmLab.Tokenization;

namespace ChatGlmLab;

/// <summary>
/// The deploy entry point (the seed's section 4.5): a base model, optionally quantized, with its
/// fine-tuning checkpoints applied in order, plus its tokenizer when the directory has one.
/// </summary>
public static class ChatGlm
{
    public static (ChatGlmForConditionalGeneration Model, ChatGlmTokenizer? Tokenizer) LoadPretrained(ModelArguments args)
    {
        if (string.IsNullOrWhiteSpace(args.ModelNameOrPath))
            throw new ArgumentException("model_name_or_path is required");
        CheckSingleCheckpointWhenQuantized(args, args.QuantizationBit);
        var model = ChatGlmForConditionalGeneration.FromPretrained(args.ModelNameOrPath,
            new ModelLoadOptions { DType = args.DType, Device = args.Device, QuantizationBit = args.QuantizationBit });
        CheckSingleCheckpointWhenQuantized(args, model.Config.QuantizationBit);
        if (args.CheckpointDirs.Count > 0) FineTuning.ApplyCheckpoints(model, args.CheckpointDirs);
        model.eval();
        return (model, TryLoadTokenizer(args.ModelNameOrPath));
    }

    /// <summary>
    /// As the toolkit ("Quantized model only accepts a single checkpoint"): applying a chain means merging the earlier
    /// adapters into the base weights, which a quantized weight cannot take.
    /// </summary>
    private static void CheckSingleCheckpointWhenQuantized(ModelArguments args, int? bits)
    {
        if (bits is int b && args.CheckpointDirs.Count > 1)
            throw new ArgumentException($"quantization_bit {b}: a quantized model takes a single checkpoint_dir, not {args.CheckpointDirs.Count} " +
                $"({args.CheckpointDir}); merge them into the float model first (chatglm-lab export), then load the merged model quantized");
    }

    /// <summary>The tokenizer of a model directory, or null when it has no tokenizer files.</summary>
    public static ChatGlmTokenizer? TryLoadTokenizer(string dir)
    {
        bool hasTokenizer = File.Exists(Path.Combine(dir, "tokenizer_config.json")) || File.Exists(Path.Combine(dir, "ice_text.model"));
        return hasTokenizer ? ChatGlmTokenizer.FromPretrained(dir) : null;
    }
}
