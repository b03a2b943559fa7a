using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ChatGlmLab.Modeling;

/// <summary>
/// The model configuration, read from and written to a Hugging Face <c>config.json</c> with the same
/// keys as THUDM/chatglm-6b's (plus the optional P-Tuning and quantization keys).
/// </summary>
public sealed class ChatGlmConfig
{
    [JsonPropertyName("_name_or_path")] public string? NameOrPath { get; set; }
    [JsonPropertyName("architectures")] public List<string> Architectures { get; set; } = ["ChatGLMModel"];
    [JsonPropertyName("auto_map")] public Dictionary<string, string>? AutoMap { get; set; } = new()
    {
        ["AutoConfig"] = "configuration_chatglm.ChatGLMConfig",
        ["AutoModel"] = "modeling_chatglm.ChatGLMForConditionalGeneration",
        ["AutoModelForSeq2SeqLM"] = "modeling_chatglm.ChatGLMForConditionalGeneration",
    };
    [JsonPropertyName("bos_token_id")] public int BosTokenId { get; set; } = 130004;
    [JsonPropertyName("eos_token_id")] public int EosTokenId { get; set; } = 130005;
    [JsonPropertyName("mask_token_id")] public int MaskTokenId { get; set; } = 130000;
    [JsonPropertyName("gmask_token_id")] public int GMaskTokenId { get; set; } = 130001;
    [JsonPropertyName("pad_token_id")] public int PadTokenId { get; set; } = 3;
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; set; } = 4096;
    [JsonPropertyName("inner_hidden_size")] public int InnerHiddenSize { get; set; } = 16384;
    [JsonPropertyName("layernorm_epsilon")] public double LayerNormEpsilon { get; set; } = 1e-5;
    [JsonPropertyName("max_sequence_length")] public int MaxSequenceLength { get; set; } = 2048;
    [JsonPropertyName("model_type")] public string ModelType { get; set; } = "chatglm";
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; set; } = 32;
    [JsonPropertyName("num_layers")] public int NumLayers { get; set; } = 28;
    [JsonPropertyName("position_encoding_2d")] public bool PositionEncoding2D { get; set; } = true;
    [JsonPropertyName("torch_dtype")] public string TorchDtype { get; set; } = "float16";
    [JsonPropertyName("transformers_version")] public string TransformersVersion { get; set; } = "4.27.1";
    [JsonPropertyName("use_cache")] public bool UseCache { get; set; } = true;
    [JsonPropertyName("vocab_size")] public int VocabSize { get; set; } = 130528;

    // Optional keys (written by THUDM's P-Tuning scripts and the quantize() path).
    [JsonPropertyName("pre_seq_len")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? PreSeqLen { get; set; }
    [JsonPropertyName("prefix_projection")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? PrefixProjection { get; set; }
    [JsonPropertyName("quantization_bit")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? QuantizationBit { get; set; }

    /// <summary>Keys this type does not model, kept so a config round-trips unchanged.</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }

    [JsonIgnore] public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>The real THUDM/chatglm-6b configuration.</summary>
    public static ChatGlmConfig ChatGlm6B() => new() { NameOrPath = "THUDM/chatglm-6b" };

    public static ChatGlmConfig FromFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"config not found: {path}", path);
        ChatGlmConfig? config;
        try { config = JsonSerializer.Deserialize<ChatGlmConfig>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: invalid config.json: {e.Message}", e); }
        if (config == null) throw new InvalidDataException($"{path}: empty config.json");
        config.Validate(path);
        return config;
    }

    public static ChatGlmConfig FromPretrained(string dir) => FromFile(Path.Combine(dir, "config.json"));

    public void Save(string path)
    {
        var options = new JsonSerializerOptions { WriteIndented = true };
        File.WriteAllText(path, JsonSerializer.Serialize(this, options) + "\n");
    }

    public ChatGlmConfig Clone() => JsonSerializer.Deserialize<ChatGlmConfig>(JsonSerializer.Serialize(this))!;

    public void Validate(string source = "config")
    {
        void Require(bool ok, string key, string why)
        {
            if (!ok) throw new InvalidDataException($"{source}: '{key}' {why}");
        }
        Require(HiddenSize > 0, "hidden_size", "must be positive");
        Require(NumAttentionHeads > 0 && HiddenSize % NumAttentionHeads == 0, "num_attention_heads", $"must divide hidden_size {HiddenSize}");
        Require(!PositionEncoding2D || HeadDim % 4 == 0, "hidden_size", "per-head size must be a multiple of 4 for 2-D rotary encoding");
        Require(NumLayers > 0, "num_layers", "must be positive");
        Require(InnerHiddenSize > 0, "inner_hidden_size", "must be positive");
        Require(VocabSize > 0, "vocab_size", "must be positive");
        Require(QuantizationBit is null or 4 or 8, "quantization_bit", "must be 4 or 8");
        Require(PreSeqLen is null or > 0, "pre_seq_len", "must be positive");
        Require(PositionEncoding2D, "position_encoding_2d", "false is not supported (ChatGLM-6B uses 2-D positions)");
    }
}
