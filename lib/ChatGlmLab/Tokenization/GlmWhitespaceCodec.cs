using System.Text;

namespace ChatGlmLab.Tokenization;

/// <summary>
/// ChatGLM's own text pre/post-processing around SentencePiece (upstream <c>SPTokenizer._preprocess</c> /
/// <c>postprocess</c>): SentencePiece would fold newlines, tabs and runs of spaces, so ChatGLM spells them as
/// the user-defined pieces <c>&lt;n&gt;</c>, <c>&lt;|tab|&gt;</c> and <c>&lt;|blank_2|&gt;</c>..<c>&lt;|blank_80|&gt;</c> first.
/// </summary>
public static class GlmWhitespaceCodec
{
    public const string NewlineToken = "<n>";
    public const string TabToken = "<|tab|>";
    public const int MaxBlankLength = 80;

    public static string BlankToken(int length) =>
        length is >= 2 and <= MaxBlankLength ? $"<|blank_{length}|>" : throw new ArgumentOutOfRangeException(nameof(length));

    /// <summary>
    /// "\n" → &lt;n&gt;, "\t" → &lt;|tab|&gt;, then runs of spaces → &lt;|blank_n|&gt;. Upstream replaces the 80-space
    /// string first, then 79, ..., 2; that equals cutting each run greedily into 80-space blocks from the left, the
    /// remainder (if ≥ 2) one blank token and a last single space left as is.
    /// </summary>
    public static string Preprocess(string text)
    {
        if (text.AsSpan().IndexOfAny('\n', '\t', ' ') < 0) return text;
        var result = new StringBuilder(text.Length + 16);
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '\n') { result.Append(NewlineToken); i++; }
            else if (c == '\t') { result.Append(TabToken); i++; }
            else if (c == ' ')
            {
                int run = 0;
                while (i + run < text.Length && text[i + run] == ' ') run++;
                i += run;
                while (run >= MaxBlankLength) { result.Append(BlankToken(MaxBlankLength)); run -= MaxBlankLength; }
                if (run >= 2) result.Append(BlankToken(run));
                else if (run == 1) result.Append(' ');
            }
            else { result.Append(c); i++; }
        }
        return result.ToString();
    }

    /// <summary>Upstream <c>postprocess</c>: &lt;n&gt; → "\n", &lt;|tab|&gt; → "\t", &lt;|blank_n|&gt; → n spaces (n = 2..80, in that order).</summary>
    public static string Postprocess(string text)
    {
        if (!text.Contains('<')) return text;
        text = text.Replace(NewlineToken, "\n").Replace(TabToken, "\t");
        if (!text.Contains("<|blank_", StringComparison.Ordinal)) return text;
        for (int n = 2; n <= MaxBlankLength; n++)
            text = text.Replace(BlankToken(n), new string(' ', n));
        return text;
    }
}
