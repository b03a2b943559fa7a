using ChatGlmLab.Checkpoints;
using ChatGlmLab.Modeling;
using static TorchSharp.torch;

namespace ChatGlmLab.Adapters;

/// <summary>
/// P-Tuning v2: a trainable prefix of pre_seq_len virtual tokens turned into per-layer keys/values
/// (see <see cref="PrefixEncoder"/>). The encoder is kept in float32 even on a float16/bfloat16 or
/// quantized base. Saved like THUDM's ptuning scripts: a state dict of "transformer.prefix_encoder.*"
/// in pytorch_model.bin plus config.json carrying pre_seq_len / prefix_projection.
/// </summary>
public static class PrefixTuning
{
    public const string KeyPrefix = "transformer.prefix_encoder.";

    public static PrefixEncoder Attach(ChatGlmForConditionalGeneration model, int preSeqLen, bool prefixProjection)
    {
        model.Config.PreSeqLen = preSeqLen;
        model.Config.PrefixProjection = prefixProjection;
        var encoder = new PrefixEncoder(model.Config, new ModuleFactory(ScalarType.Float32, model.Device, ParameterInit.Random));
        model.transformer.SetPrefixEncoder(encoder);
        return encoder;
    }

    public static Dictionary<string, Tensor> StateDict(ChatGlmForConditionalGeneration model) =>
        model.state_dict().Where(kv => kv.Key.StartsWith(KeyPrefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);

    public static void Save(ChatGlmForConditionalGeneration model, string dir)
    {
        if (model.transformer.prefix_encoder == null) throw new InvalidOperationException("the model has no prefix encoder to save");
        Directory.CreateDirectory(dir);
        model.Config.Save(Path.Combine(dir, "config.json"));
        CheckpointWriter.SaveTorch(Path.Combine(dir, "pytorch_model.bin"), StateDict(model));
    }

    /// <summary>True when <paramref name="dir"/> holds a prefix encoder (config with pre_seq_len and prefix weights).</summary>
    public static bool IsPrefixDirectory(string dir)
    {
        string config = Path.Combine(dir, "config.json");
        if (!File.Exists(config)) return false;
        var c = ChatGlmConfig.FromFile(config);
        if (c.PreSeqLen == null) return false;
        using var file = CheckpointLoader.Open(FindWeights(dir));
        return file.Tensors.All(t => t.Name.StartsWith(KeyPrefix, StringComparison.Ordinal));
    }

    /// <summary>Attaches an encoder shaped by the directory's config.json and loads its weights.</summary>
    public static void Load(ChatGlmForConditionalGeneration model, string dir)
    {
        string configPath = Path.Combine(dir, "config.json");
        var config = ChatGlmConfig.FromFile(configPath);
        if (config.PreSeqLen is not int preSeqLen)
            throw new InvalidDataException($"{configPath}: no 'pre_seq_len': not a P-Tuning v2 checkpoint");
        if (config.HiddenSize != model.Config.HiddenSize || config.NumLayers != model.Config.NumLayers)
            throw new InvalidDataException($"{configPath}: prefix for hidden_size {config.HiddenSize} × {config.NumLayers} layers, the base model has {model.Config.HiddenSize} × {model.Config.NumLayers}");
        Attach(model, preSeqLen, config.PrefixProjection ?? false);

        string weights = FindWeights(dir);
        var targets = model.transformer.prefix_encoder!.named_parameters().ToDictionary(p => KeyPrefix + p.name, p => (Tensor)p.parameter);
        StateDictCopy.Into(targets, [weights], weights, new StateDictCopyOptions
        {
            Fix = $"a P-Tuning checkpoint holds only {KeyPrefix}*, shaped by pre_seq_len/prefix_projection in its config.json: do they match the weights?",
        });
    }

    private static string FindWeights(string dir)
    {
        foreach (var name in new[] { "pytorch_model.bin", "model.safetensors" })
            if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        throw new FileNotFoundException($"no prefix-encoder weights in {dir}: looked for pytorch_model.bin, model.safetensors");
    }
}
