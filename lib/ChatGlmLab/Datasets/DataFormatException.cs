namespace ChatGlmLab.Datasets;

/// <summary>
/// Bad input in a data file. The message always starts with "file:line:" so a user can jump
/// straight to the offending record; <see cref="FilePath"/> and <see cref="Line"/> carry the same
/// facts for code that wants to react to them.
/// </summary>
public sealed class DataFormatException : Exception
{
    public string FilePath { get; }

    /// <summary>1-based line number; 0 when the problem concerns the whole file.</summary>
    public int Line { get; }

    /// <summary>The problem without the location prefix.</summary>
    public string Reason { get; }

    public DataFormatException(string filePath, int line, string reason, Exception? inner = null)
        : base(Format(filePath, line, reason), inner)
    {
        FilePath = filePath;
        Line = line;
        Reason = reason;
    }

    public static string Format(string filePath, int line, string reason) =>
        line > 0 ? $"{filePath}:{line}: {reason}" : $"{filePath}: {reason}";
}
