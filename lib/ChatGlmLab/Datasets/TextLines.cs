using System.Text;

namespace ChatGlmLab.Datasets;

/// <summary>One line of a text file: its 1-based number and text, or why it could not be read (then the text is empty).</summary>
internal readonly record struct TextLine(int Number, string Text, string? Problem);

/// <summary>
/// Reads a UTF-8 text file line by line. A leading BOM is dropped and a trailing '\r' is removed so that CRLF files
/// behave like LF files. Each line is decoded strictly: bytes that are not UTF-8 make that line's <see cref="TextLine.Problem"/>
/// (the reader's caller then stops at it, or skips and counts it in lenient mode) instead of turning into U+FFFD in the data.
/// </summary>
internal static class TextLines
{
    public static IEnumerable<TextLine> Read(string path)
    {
        if (Directory.Exists(path))
            throw new DataFormatException(path, 0, "is a directory; give the data file inside it");
        if (!File.Exists(path))
            throw new DataFormatException(path, 0, "file not found");
        using var stream = new BufferedStream(File.OpenRead(path), 1 << 16);
        var bytes = new List<byte>(256);
        int number = 0, next;
        bool first = true;
        do
        {
            next = stream.ReadByte();
            if (next >= 0 && next != '\n')
            {
                bytes.Add((byte)next);
                continue;
            }
            if (next < 0 && bytes.Count == 0) break;   // no unterminated last line
            number++;
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes);
            if (first && span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) span = span[3..];
            if (span.Length > 0 && span[^1] == '\r') span = span[..^1];
            first = false;
            var line = InvalidUtf8At(span) is int at
                ? new TextLine(number, "", InvalidUtf8Reason(span, at))
                : new TextLine(number, Encoding.UTF8.GetString(span), null);
            bytes.Clear();
            yield return line;
        } while (next >= 0);
    }

    /// <summary>
    /// The lines of a JSON Lines file that hold a record: blank lines are noted in the report and passed over, an
    /// unreadable line stops the read (strict) or is skipped and counted (lenient).
    /// </summary>
    public static IEnumerable<(int Number, string Text)> JsonLines(string path, LoadReport report, bool lenient)
    {
        foreach (var (number, text, unreadable) in Read(path))
        {
            if (unreadable != null) RecordErrorPolicy.Handle(report, lenient, number, unreadable);
            else if (string.IsNullOrWhiteSpace(text)) report.Note("blank lines ignored");
            else yield return (number, text);
        }
    }

    /// <summary>The offset of the first byte that does not start a valid UTF-8 sequence, or null when all are valid.</summary>
    public static int? InvalidUtf8At(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return null;
        for (int offset = 0; offset < bytes.Length;)
        {
            if (Rune.DecodeFromUtf8(bytes[offset..], out _, out int consumed) != System.Buffers.OperationStatus.Done) return offset;
            offset += consumed;
        }
        return null;
    }

    /// <summary>What to tell the user about invalid bytes at <paramref name="at"/> (an offset into <paramref name="bytes"/>).</summary>
    public static string InvalidUtf8Reason(ReadOnlySpan<byte> bytes, int at) =>
        $"invalid UTF-8 (byte 0x{bytes[at]:X2}); the file must be UTF-8: convert it (e.g. iconv -f GBK -t UTF-8)";
}
