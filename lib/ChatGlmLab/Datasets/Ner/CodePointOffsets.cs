namespace ChatGlmLab.Datasets.Ner;

/// <summary>
/// Converts between .NET string indices (UTF-16 code units) and Python string indices (Unicode code
/// points). They differ only after a character outside the BMP (an emoji, a rare CJK ideograph),
/// which takes two UTF-16 units but one Python index. CLUENER offsets and the seed's
/// "起始位置:s,终止位置:e" answers are Python indices.
/// </summary>
public static class CodePointOffsets
{
    /// <summary>True when every character is in the BMP, so both index systems coincide.</summary>
    public static bool IsBmpOnly(string text)
    {
        foreach (var c in text)
            if (char.IsSurrogate(c))
                return false;
        return true;
    }

    public static int ToCodePoints(string text, int utf16Index)
    {
        var count = 0;
        for (var i = 0; i < utf16Index && i < text.Length; i++)
            if (!char.IsLowSurrogate(text[i]))
                count++;
        return count;
    }

    /// <summary>The UTF-16 index of code point <paramref name="codePointIndex"/>; -1 if beyond the text (the text's length is allowed, as an exclusive end).</summary>
    public static int ToUtf16(string text, int codePointIndex)
    {
        if (codePointIndex < 0)
            return -1;
        var cp = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsLowSurrogate(text[i]))
                continue;
            if (cp == codePointIndex)
                return i;
            cp++;
        }
        return cp == codePointIndex ? text.Length : -1;
    }

    public static int CodePointLength(string text) => ToCodePoints(text, text.Length);
}
