using System.Text.RegularExpressions;

namespace ChatGlmLab.Metrics;

/// <summary>
/// How rouge_chinese 1.0.3 turns its input string into words before scoring
/// (<c>Rouge.cut_sent</c>, the whitespace normalisation in <c>_get_scores</c>, <c>_split_into_words</c>).
/// </summary>
/// <remarks>
/// The string is cut into sentences, but every metric then concatenates all sentences into ONE word
/// list, so n-grams and the LCS run across sentence boundaries. Ported literally, quirks included:
/// a piece that is only whitespace survives the <c>len(piece) &gt; 0</c> filter, becomes "" after
/// normalisation and contributes one empty word ("".split(" ") == [""]).
/// </remarks>
public static class RougeWordList
{
    // cut_sent's four substitutions, in order (re.sub: left to right, non-overlapping, like Regex.Replace).
    private static readonly Regex AfterSentenceEnd = new("([。！？\\?])([^”’])", RegexOptions.CultureInvariant);
    private static readonly Regex AfterSixDots = new("(\\.{6})([^”’])", RegexOptions.CultureInvariant);
    private static readonly Regex AfterTwoEllipses = new("(…{2})([^”’])", RegexOptions.CultureInvariant);
    private static readonly Regex AfterQuotedSentenceEnd = new("([。！？\\?][”’])([^，。！？\\?])", RegexOptions.CultureInvariant);

    /// <summary><c>Rouge.cut_sent(para)</c>: the sentence pieces, possibly empty strings.</summary>
    public static string[] CutSentences(string paragraph)
    {
        string text = AfterSentenceEnd.Replace(paragraph, "$1\n$2");
        text = AfterSixDots.Replace(text, "$1\n$2");
        text = AfterTwoEllipses.Replace(text, "$1\n$2");
        text = AfterQuotedSentenceEnd.Replace(text, "$1\n$2");
        text = PythonWhitespace.TrimEnd(text);
        return text.Split('\n');
    }

    /// <summary>The one word list every rouge_chinese metric uses for <paramref name="text"/>.</summary>
    public static List<string> Words(string text)
    {
        var words = new List<string>();
        foreach (string piece in CutSentences(text))
        {
            if (piece.Length == 0)
                continue;
            string normalised = string.Join(' ', PythonWhitespace.Split(piece));
            words.AddRange(normalised.Split(' '));
        }
        return words;
    }
}
