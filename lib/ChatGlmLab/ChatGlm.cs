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
        var model = ChatGlmForConditionalGeneration.FromPretrained(args.ModelNameOrPath,
            new ModelLoadOptions { DType = args.DType, Device = args.Device, QuantizationBit = args.QuantizationBit });
        if (args.CheckpointDirs.Count > 0) FineTuning.ApplyCheckpoints(model, args.CheckpointDirs);
        model.eval();
        return (model, TryLoadTokenizer(args.ModelNameOrPath));
    }

    /// <summary>The tokenizer of a model directory, or null when it has no tokenizer files.</summary>
    public static ChatGlmTokenizer? TryLoadTokenizer(string dir)
    {
        bool hasTokenizer = File.Exists(Path.Combine(dir, "tokenizer_config.json")) || File.Exists(Path.Combine(dir, "ice_text.model"));
        return hasTokenizer ? ChatGlmTokenizer.FromPretrained(dir) : null;
    }
}
