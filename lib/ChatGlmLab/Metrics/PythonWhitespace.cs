namespace ChatGlmLab.Metrics;

/// <summary>
/// Python's idea of whitespace (<c>str.isspace</c>, used by <c>str.split()</c> and <c>str.rstrip()</c>).
/// It is .NET's <see cref="char.IsWhiteSpace(char)"/> plus the separators U+001C..U+001F, which
/// Python counts as whitespace and .NET does not.
/// </summary>
public static class PythonWhitespace
{
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || (c >= '\u001C' && c <= '\u001F');

    /// <summary><c>text.split()</c>: the runs of non-whitespace, no empty strings.</summary>
    public static List<string> Split(string text)
    {
        var words = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && IsSpace(text[i]))
                i++;
            int start = i;
            while (i < text.Length && !IsSpace(text[i]))
                i++;
            if (i > start)
                words.Add(text.Substring(start, i - start));
        }
        return words;
    }

    /// <summary><c>text.rstrip()</c>.</summary>
    public static string TrimEnd(string text)
    {
        int end = text.Length;
        while (end > 0 && IsSpace(text[end - 1]))
            end--;
        return text.Substring(0, end);
    }

    /// <summary>True when <c>text.split()</c> would be empty.</summary>
    public static bool HasNoWord(string text)
    {
        foreach (char c in text)
            if (!IsSpace(c))
                return false;
        return true;
    }
}
