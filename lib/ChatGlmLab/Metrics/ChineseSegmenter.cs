using JiebaNet.Segmenter;

namespace ChatGlmLab.Metrics;

/// <summary>
/// Python jieba 0.42.1's <c>jieba.cut(text)</c> (default mode, HMM on) through jieba.NET 0.42.2.
/// Whitespace comes back as tokens of its own, as in Python.
/// </summary>
/// <remarks>
/// One difference is repaired here: for characters outside jieba's word pattern jieba.NET yields one
/// token per UTF-16 char, splitting an emoji into two lone surrogates where Python yields the one
/// character. Adjacent high/low surrogate tokens are joined again.
/// The segmenter is built once (loading the dictionary takes a moment) and is safe to share across
/// threads: cutting only reads jieba's tables.
/// </remarks>
public sealed class ChineseSegmenter
{
    private static readonly Lazy<ChineseSegmenter> SharedInstance =
        new(() => new ChineseSegmenter(), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly JiebaSegmenter _jieba;

    private ChineseSegmenter()
    {
        var timer = System.Diagnostics.Stopwatch.StartNew();
        DictionaryFolder = JiebaDictionaryFolder.Configure();
        _jieba = new JiebaSegmenter();
        // jieba.NET reports a dictionary it could not read only through Debug.Fail; check it loaded.
        if (!WordDictionary.Instance.ContainsWord("的"))
            throw new InvalidOperationException($"jieba.NET loaded no dictionary from {DictionaryFolder}.");
        _jieba.Cut("预热"); // loads the HMM tables too, so the first real cut is not the slow one
        LoadTime = timer.Elapsed;
    }

    /// <summary>The process-wide segmenter, created on first use.</summary>
    public static ChineseSegmenter Shared => SharedInstance.Value;

    /// <summary>The folder the dictionaries were loaded from.</summary>
    public string DictionaryFolder { get; }

    /// <summary>How long loading the dictionary and the HMM tables took.</summary>
    public TimeSpan LoadTime { get; }

    /// <summary><c>list(jieba.cut(text))</c>.</summary>
    public List<string> Cut(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        foreach (string token in _jieba.Cut(text, cutAll: false, hmm: true))
        {
            bool completesSurrogatePair = token.Length == 1 && char.IsLowSurrogate(token[0])
                && tokens.Count > 0 && tokens[^1] is { Length: 1 } previous && char.IsHighSurrogate(previous[0]);
            if (completesSurrogatePair)
                tokens[^1] += token;
            else
                tokens.Add(token);
        }
        return tokens;
    }
}
