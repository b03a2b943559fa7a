using System.Text.Json;

namespace ChatGlmLab.Tokenization;

/// <summary>
/// The keys of a ChatGLM <c>tokenizer_config.json</c> that shape tokenization. Defaults are upstream
/// <c>ChatGLMTokenizer.__init__</c>'s, so a key missing from the file behaves as it does upstream (notably
/// <c>num_image_tokens</c> defaults to 20000 there; THUDM's file sets 0).
/// </summary>
public sealed record TokenizerConfig
{
    public const string FileName = "tokenizer_config.json";
    public const string DefaultVocabFile = "ice_text.model";

    public string? VocabFile { get; init; }
    public string BosToken { get; init; } = "<sop>";
    public string EosToken { get; init; } = "<eop>";
    public string EndToken { get; init; } = "</s>";
    public string MaskToken { get; init; } = "[MASK]";
    public string GMaskToken { get; init; } = "[gMASK]";
    public string PadToken { get; init; } = "<pad>";
    public string UnkToken { get; init; } = "<unk>";
    public bool RemoveSpace { get; init; }
    public bool DoLowerCase { get; init; }
    public int NumImageTokens { get; init; } = 20000;
    public string PaddingSide { get; init; } = "left";

    /// <summary>The configuration used when a directory has no tokenizer_config.json: THUDM's values (num_image_tokens 0).</summary>
    public static TokenizerConfig ChatGlm6B { get; } = new() { NumImageTokens = 0 };

    public static TokenizerConfig Load(string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"'{path}' must hold a JSON object");
            var defaults = new TokenizerConfig();
            string Str(string key, string fallback) => Get(root, key, path, JsonValueKind.String)?.GetString() ?? fallback;
            bool Bool(string key, bool fallback) => Get(root, key, path, JsonValueKind.True)?.GetBoolean() ?? fallback;
            int Int(string key, int fallback) => Get(root, key, path, JsonValueKind.Number)?.GetInt32() ?? fallback;
            var config = new TokenizerConfig
            {
                VocabFile = Get(root, "vocab_file", path, JsonValueKind.String)?.GetString(),
                BosToken = Str("bos_token", defaults.BosToken),
                EosToken = Str("eos_token", defaults.EosToken),
                EndToken = Str("end_token", defaults.EndToken),
                MaskToken = Str("mask_token", defaults.MaskToken),
                GMaskToken = Str("gmask_token", defaults.GMaskToken),
                PadToken = Str("pad_token", defaults.PadToken),
                UnkToken = Str("unk_token", defaults.UnkToken),
                RemoveSpace = Bool("remove_space", defaults.RemoveSpace),
                DoLowerCase = Bool("do_lower_case", defaults.DoLowerCase),
                NumImageTokens = Int("num_image_tokens", defaults.NumImageTokens),
                PaddingSide = Str("padding_side", defaults.PaddingSide),
            };
            if (config.PaddingSide != "left")
                throw new NotSupportedException($"'{path}': padding_side '{config.PaddingSide}' is not supported; ChatGLM pads on the left (upstream asserts it)");
            if (config.NumImageTokens < 0)
                throw new InvalidDataException($"'{path}': num_image_tokens must be >= 0, got {config.NumImageTokens}");
            return config;
        }
    }

    private static JsonElement? Get(JsonElement root, string key, string path, JsonValueKind kind)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        bool ok = kind == JsonValueKind.True ? value.ValueKind is JsonValueKind.True or JsonValueKind.False : value.ValueKind == kind;
        if (!ok) throw new InvalidDataException($"'{path}': \"{key}\" must be a {(kind == JsonValueKind.True ? "boolean" : kind.ToString().ToLowerInvariant())}, got {value.ValueKind}");
        return value;
    }

    /// <summary>Writes the file the way the builder ships it (upstream keys, plus vocab_file).</summary>
    public void Save(string path)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteString("bos_token", BosToken);
        json.WriteString("eos_token", EosToken);
        json.WriteString("end_token", EndToken);
        json.WriteString("gmask_token", GMaskToken);
        json.WriteString("mask_token", MaskToken);
        json.WriteString("pad_token", PadToken);
        json.WriteString("unk_token", UnkToken);
        json.WriteBoolean("remove_space", RemoveSpace);
        json.WriteBoolean("do_lower_case", DoLowerCase);
        json.WriteString("tokenizer_class", "ChatGLMTokenizer");
        json.WriteNumber("num_image_tokens", NumImageTokens);
        json.WriteString("padding_side", PaddingSide);
        if (VocabFile != null) json.WriteString("vocab_file", VocabFile);
        json.WriteEndObject();
    }
}
