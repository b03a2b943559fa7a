using JiebaNet.Segmenter;

namespace ChatGlmLab.Metrics;

/// <summary>
/// Python jieba 0.42.1's <c>jieba.cut(text)</c> (default mode, HMM on) through jieba.NET 0.42.2.
/// Whitespace comes back as tokens of its own, as in Python.
/// </summary>
/// <remarks>
/// Two differences from Python jieba are repaired here:
/// <list type="bullet">
/// <item>jieba.NET's pattern for word blocks (<c>RegexChineseDefault</c>) adds the middle dot "·"
/// (U+00B7), Python's <c>re_han_default</c> has no such character. In Python "·" therefore always
/// becomes a token of its own and the text on either side is cut independently ("乔治·华盛顿" is the
/// blocks "乔治", "·", "华盛顿"); jieba.NET cuts the whole run as one block, where the DAG/HMM buffer
/// can run across the dot. So the text is split at "·" first. ("·" is frequent in transliterated
/// names: 251 of CLUENER's 12,091 texts; none of those happens to cut differently, but a buffered run
/// like "ab·cd" whose "ab" is a dictionary word would.)</item>
/// <item>For characters outside the word pattern jieba.NET yields one token per UTF-16 char,
/// splitting an emoji into two lone surrogates where Python yields the one character. Adjacent
/// high/low surrogate tokens are joined again.</item>
/// </list>
/// Known residual difference (not repairable from outside jieba.NET): on EXACT ties Python's
/// <c>max</c> over (score, choice) tuples keeps the larger choice while jieba.NET keeps the first
/// (route) or last (Viterbi) candidate. Ties only happen in practice in the HMM when a buffered run
/// contains a Han character absent from all of jieba's emission tables (the scores then all saturate
/// at -3.14e100): Python then ends on state S and jieba.NET on E, e.g. "溼脣" is "溼", "脣" in Python
/// and "溼脣" here. 2 of CLUENER's 12,091 texts have such a character.
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

    /// <summary>Python jieba's separate token; jieba.NET would glue it into word blocks.</summary>
    private const char MiddleDot = '\u00B7';

    /// <summary><c>list(jieba.cut(text))</c>.</summary>
    public List<string> Cut(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        int pieceStart = 0;
        for (int i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] != MiddleDot)
                continue;
            if (i > pieceStart)
                AddJiebaTokens(text[pieceStart..i], tokens);
            if (i < text.Length)
                tokens.Add(MiddleDot.ToString());
            pieceStart = i + 1;
        }
        return tokens;
    }

    private void AddJiebaTokens(string text, List<string> tokens)
    {
        foreach (string token in _jieba.Cut(text, cutAll: false, hmm: true))
        {
            bool completesSurrogatePair = token.Length == 1 && char.IsLowSurrogate(token[0])
                && tokens.Count > 0 && tokens[^1] is { Length: 1 } previous && char.IsHighSurrogate(previous[0]);
            if (completesSurrogatePair)
                tokens[^1] += token;
            else
                tokens.Add(token);
        }
    }
}
