namespace ChatGlmLab.Metrics;

/// <summary>
/// Python's <c>list(text)</c>: one string per Unicode code point. A .NET string is UTF-16, so an
/// emoji is two chars but one Python character; BLEU counts and matches Python characters.
/// </summary>
public static class CodePoints
{
    public static List<string> Split(string text)
    {
        var characters = new List<string>(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            // A valid surrogate pair is one code point; a lone surrogate stays one (as in Python).
            int width = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            characters.Add(text.Substring(i, width));
            i += width;
        }
        return characters;
    }
}
