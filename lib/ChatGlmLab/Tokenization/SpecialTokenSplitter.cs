namespace ChatGlmLab.Tokenization;

/// <summary>
/// How transformers 4.27's <c>PreTrainedTokenizer.tokenize</c> treats ChatGLM's registered special tokens
/// (<c>&lt;sop&gt; &lt;eop&gt; &lt;unk&gt; &lt;pad&gt; [MASK]</c>; not <c>[gMASK]</c>): they are cut out of the raw text
/// (leftmost, longest match), the text on each side loses its adjacent whitespace (they are plain strings, not
/// <c>AddedToken</c>s, so both sides are stripped), and empty pieces are dropped.
/// </summary>
internal sealed class SpecialTokenSplitter
{
    private readonly string[] _tokens;
    private readonly HashSet<char> _firstChars;

    public SpecialTokenSplitter(IEnumerable<string> specialTokens)
    {
        // Longest first so that at one position the longest special token wins (the trie's behaviour).
        _tokens = specialTokens.Where(t => t.Length > 0).Distinct(StringComparer.Ordinal)
            .OrderByDescending(t => t.Length).ThenBy(t => t, StringComparer.Ordinal).ToArray();
        _firstChars = _tokens.Select(t => t[0]).ToHashSet();
    }

    /// <summary>Returns the pieces in order; <c>IsSpecial</c> marks a special token.</summary>
    public List<(string Text, bool IsSpecial)> Split(string text)
    {
        var parts = new List<(string Text, bool IsSpecial)>();
        int start = 0, i = 0;
        while (i < text.Length)
        {
            string? match = null;
            if (_firstChars.Contains(text[i]))
                foreach (var t in _tokens)
                    if (string.CompareOrdinal(text, i, t, 0, t.Length) == 0) { match = t; break; }
            if (match == null) { i++; continue; }
            if (i > start) parts.Add((text[start..i], false));
            parts.Add((match, true));
            i += match.Length;
            start = i;
        }
        if (start < text.Length) parts.Add((text[start..], false));

        for (int k = 0; k < parts.Count; k++)
        {
            if (!parts[k].IsSpecial) continue;
            if (k + 1 < parts.Count && !parts[k + 1].IsSpecial) parts[k + 1] = (PythonText.LStrip(parts[k + 1].Text), false);
            if (k > 0 && !parts[k - 1].IsSpecial) parts[k - 1] = (PythonText.RStrip(parts[k - 1].Text), false);
        }
        parts.RemoveAll(p => p.Text.Length == 0);
        return parts;
    }
}
