namespace ChatGlmLab.Tokenization;

/// <summary>Python string semantics that upstream code relies on and .NET spells differently.</summary>
internal static class PythonText
{
    /// <summary>
    /// Python's <c>str.isspace()</c>: .NET's <see cref="char.IsWhiteSpace(char)"/> plus U+001C..U+001F
    /// (Python counts the information separators as whitespace, .NET does not).
    /// </summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    public static string Strip(string s) => RStrip(LStrip(s));

    public static string LStrip(string s)
    {
        int start = 0;
        while (start < s.Length && IsSpace(s[start])) start++;
        return start == 0 ? s : s[start..];
    }

    public static string RStrip(string s)
    {
        int end = s.Length;
        while (end > 0 && IsSpace(s[end - 1])) end--;
        return end == s.Length ? s : s[..end];
    }

    /// <summary>Python's <c>" ".join(s.split())</c> (upstream's <c>remove_space</c>).</summary>
    public static string CollapseWhitespace(string s)
    {
        var words = new List<string>();
        int i = 0;
        while (i < s.Length)
        {
            while (i < s.Length && IsSpace(s[i])) i++;
            int start = i;
            while (i < s.Length && !IsSpace(s[i])) i++;
            if (i > start) words.Add(s[start..i]);
        }
        return string.Join(' ', words);
    }
}
