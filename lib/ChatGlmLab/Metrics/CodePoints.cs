namespace ChatGlmLab.Metrics;

/// <summary>
/// Python's <c>list(text)</c>: one string per Unicode code point. A .NET string is UTF-16, so an
/// emoji is two chars but one Python character; BLEU counts and matches Python characters.
/// </summary>
public static class CodePoints
{
    public static List<string> Split(string text)
    {
        int[] offsets = Offsets(text);
        var characters = new List<string>(offsets.Length - 1);
        for (int i = 0; i + 1 < offsets.Length; i++)
            characters.Add(text[offsets[i]..offsets[i + 1]]);
        return characters;
    }

    /// <summary>Where each code point starts in <paramref name="text"/>, plus <c>text.Length</c> at the end:
    /// code point i is <c>text[offsets[i]..offsets[i + 1]]</c> and the count is <c>offsets.Length - 1</c>.</summary>
    public static int[] Offsets(string text)
    {
        var offsets = new List<int>(text.Length + 1);
        int i = 0;
        while (i < text.Length)
        {
            offsets.Add(i);
            // A valid surrogate pair is one code point; a lone surrogate stays one (as in Python).
            i += char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
        }
        offsets.Add(text.Length);
        return offsets.ToArray();
    }
}
