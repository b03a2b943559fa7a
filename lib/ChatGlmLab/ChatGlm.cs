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
        var tokenizer = TryLoadTokenizer(args.ModelNameOrPath);
        if (tokenizer != null) CheckTokenizerFits(tokenizer, model.Config, args.ModelNameOrPath);
        return (model, tokenizer);
    }

    /// <summary>
    /// The tokenizer of a model directory must produce only ids the model has embeddings for, and its special tokens must be
    /// the ids config.json names (the model builds its masks and positions from those): otherwise training dies inside
    /// libtorch ("index out of range in self") and generation fails later with an unrelated message.
    /// </summary>
    public static void CheckTokenizerFits(ChatGlmTokenizer tokenizer, ChatGlmConfig config, string modelDir)
    {
        string fix = "; use the tokenizer files the model was trained with";
        if (tokenizer.VocabSize > config.VocabSize)
            throw new InvalidDataException($"{modelDir}: the tokenizer has {tokenizer.VocabSize} pieces but config.json vocab_size is {config.VocabSize}, " +
                $"so ids from {config.VocabSize} on have no embedding{fix}");
        foreach (var (name, tokenizerId, configKey, configId) in new[]
        {
            ("bos (<sop>)", tokenizer.BosId, "bos_token_id", config.BosTokenId), ("eos (<eop>)", tokenizer.EosId, "eos_token_id", config.EosTokenId),
            ("mask ([MASK])", tokenizer.MaskId, "mask_token_id", config.MaskTokenId), ("gmask ([gMASK])", tokenizer.GMaskId, "gmask_token_id", config.GMaskTokenId),
        })
            if (tokenizerId != configId)
                throw new InvalidDataException($"{modelDir}: the tokenizer's {name} is id {tokenizerId} but config.json {configKey} is {configId}{fix}");
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
