using System.Text.Json;
using ChatGlmLab.Tokenization;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Tokenization;

/// <summary>A fixture tokenizer folder: the tokenizer loaded once per test class (the real model takes ~1 s) and its cases.json.</summary>
public abstract class TokenizerFixture
{
    private readonly Lazy<ChatGlmTokenizer> _withImageTokens;

    protected TokenizerFixture(string folder, string modelFile, Func<ChatGlmTokenizer> load)
    {
        Folder = folder;
        ModelPath = Paths.Fixture(folder, modelFile);
        Tokenizer = load();
        Cases = FixtureJson.Load(folder, "cases.json");
        _withImageTokens = new Lazy<ChatGlmTokenizer>(() => ChatGlmTokenizer.FromModelFile(ModelPath, numImageTokens: 20000));
    }

    public string Folder { get; }
    public string ModelPath { get; }
    public ChatGlmTokenizer Tokenizer { get; }
    /// <summary>The same model with upstream SPTokenizer's default offset of 20000 image tokens.</summary>
    public ChatGlmTokenizer WithImageTokens20000 => _withImageTokens.Value;
    public JsonElement Cases { get; }

    public static TheoryData<int> Indices(string folder, string arrayKey)
    {
        var data = new TheoryData<int>();
        int count = FixtureJson.Load(folder, "cases.json").GetProperty(arrayKey).GetArrayLength();
        for (int i = 0; i < count; i++) data.Add(i);
        return data;
    }
}

/// <summary>The real ChatGLM-6B ice_text.model, loaded with FromPretrained (its upstream tokenizer_config.json).</summary>
public sealed class RealTokenizerFixture() : TokenizerFixture("tokenizer", "ice_text.model",
    () => ChatGlmTokenizer.FromPretrained(Paths.Fixture("tokenizer")));

/// <summary>The 4,000-piece stand-in (tokenizer.model + its tokenizer_config.json).</summary>
public sealed class SmallTokenizerFixture() : TokenizerFixture("tokenizer-small", "tokenizer.model",
    () => ChatGlmTokenizer.Create(Paths.Fixture("tokenizer-small", "tokenizer.model"),
        TokenizerConfig.Load(Paths.Fixture("tokenizer-small", "tokenizer_config.json"))));

internal static class Json
{
    public static string Str(this JsonElement e, string key) => e.GetProperty(key).GetString()!;
    public static int[] Ints(this JsonElement e, string key) => FixtureJson.IntArray(e.GetProperty(key));
    public static string[] Strs(this JsonElement e, string key) => e.GetProperty(key).EnumerateArray().Select(x => x.GetString()!).ToArray();

    /// <summary>A nested JSON array of numbers, flattened row-major.</summary>
    public static long[] Flatten(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().SelectMany(Flatten).ToArray() : [e.GetInt64()];

    public static List<(string Query, string Response)> History(this JsonElement e) =>
        e.GetProperty("history").EnumerateArray().Select(turn => (turn[0].GetString()!, turn[1].GetString()!)).ToList();
}
