using ChatGlmLab.Checkpoints;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatGlmLab.Adapters;

/// <summary>The fine-tuning methods of the Python toolkit.</summary>
public enum FinetuningType { None, Freeze, PTuning, Lora, Full }

/// <summary>
/// Fine-tuning settings with the Python toolkit's names and defaults (ChatGLM-Efficient-Tuning's
/// FinetuningArguments); serialised as its finetuning_args.json.
/// </summary>
public sealed record FinetuningOptions
{
    /// <summary>The method: lora, p_tuning, freeze, full (or none).</summary>
    [JsonPropertyName("finetuning_type")] public string FinetuningTypeName { get; init; } = "lora";
    /// <summary>Freeze: how many layers train, counted from the last layer (from the first when negative, as in the toolkit).</summary>
    [JsonPropertyName("num_layer_trainable")] public int NumLayerTrainable { get; init; } = 3;
    /// <summary>Freeze: which module of the trained layers trains (mlp or qkv).</summary>
    [JsonPropertyName("name_module_trainable")] public string NameModuleTrainable { get; init; } = "mlp";
    /// <summary>P-Tuning v2: prefix tokens per layer.</summary>
    [JsonPropertyName("pre_seq_len")] public int PreSeqLen { get; init; } = 16;
    /// <summary>P-Tuning v2: learn the prefix through a two-layer MLP.</summary>
    [JsonPropertyName("prefix_projection")] public bool PrefixProjection { get; init; }
    /// <summary>Rank of the LoRA matrices.</summary>
    [JsonPropertyName("lora_rank")] public int LoraRank { get; init; } = 8;
    /// <summary>LoRA's scale numerator: updates are scaled by lora_alpha / lora_rank.</summary>
    [JsonPropertyName("lora_alpha")] public double LoraAlpha { get; init; } = 32.0;
    /// <summary>Dropout on the LoRA branch's input.</summary>
    [JsonPropertyName("lora_dropout")] public double LoraDropout { get; init; } = 0.1;
    /// <summary>Comma list of linear layer names LoRA adapts.</summary>
    [JsonPropertyName("lora_target")] public string LoraTarget { get; init; } = "query_key_value";

    [JsonIgnore]
    public FinetuningType Type => FinetuningTypeName switch
    {
        "none" => FinetuningType.None,
        "freeze" => FinetuningType.Freeze,
        "p_tuning" => FinetuningType.PTuning,
        "lora" => FinetuningType.Lora,
        "full" => FinetuningType.Full,
        _ => throw new ArgumentException($"finetuning_type '{FinetuningTypeName}' is not one of none, freeze, p_tuning, lora, full"),
    };

    /// <summary>Freeze's trained layers in words, "last 3" or "first 2": the toolkit counts a positive num_layer_trainable from the last layer, a negative one from the first.</summary>
    [JsonIgnore] public string TrainableLayers => $"{(NumLayerTrainable > 0 ? "last" : "first")} {Math.Abs(NumLayerTrainable)}";

    [JsonIgnore] public IReadOnlyList<string> LoraTargets => LoraTarget.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    public static string NameOf(FinetuningType type) => type switch
    {
        FinetuningType.None => "none",
        FinetuningType.Freeze => "freeze",
        FinetuningType.PTuning => "p_tuning",
        FinetuningType.Lora => "lora",
        FinetuningType.Full => "full",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static FinetuningOptions For(FinetuningType type) => new() { FinetuningTypeName = NameOf(type) };

    public void Validate()
    {
        _ = Type;
        if (NameModuleTrainable is not ("mlp" or "qkv"))
            throw new ArgumentException($"name_module_trainable '{NameModuleTrainable}' is not one of mlp, qkv");
        if (NumLayerTrainable == 0) throw new ArgumentException("num_layer_trainable must not be 0");
        if (PreSeqLen <= 0) throw new ArgumentException("pre_seq_len must be positive");
        if (LoraRank <= 0) throw new ArgumentException("lora_rank must be positive");
        if (LoraDropout is < 0 or >= 1) throw new ArgumentException("lora_dropout must be in [0, 1)");
        if (LoraTargets.Count == 0) throw new ArgumentException("lora_target names no module");
    }

    public const string FileName = "finetuning_args.json";

    public void Save(string dir) => Checkpoints.CheckpointWriter.WriteJson(Path.Combine(dir, FileName), this);

    public static FinetuningOptions? TryLoad(string dir)
    {
        string path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<FinetuningOptions>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: invalid JSON ({e.Message})", e); }
    }
}
