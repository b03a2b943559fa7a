namespace ChatGlmLab.Datasets;

/// <summary>
/// Reads a UTF-8 text file as (1-based line number, line) pairs. A leading BOM is dropped and a
/// trailing '\r' is removed so that CRLF files behave like LF files.
/// </summary>
internal static class TextLines
{
    public static IEnumerable<(int Number, string Text)> Read(string path)
    {
        if (!File.Exists(path))
            throw new DataFormatException(path, 0, "file not found");
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            yield return (number, line);
        }
    }
}
