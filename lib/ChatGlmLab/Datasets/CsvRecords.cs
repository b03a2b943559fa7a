using System.Text;

namespace ChatGlmLab.Datasets;

/// <summary>One CSV record: the 1-based line it starts on and its fields (quotes removed, "" unescaped).</summary>
public sealed record CsvRecord(int Line, IReadOnlyList<string> Fields);

/// <summary>
/// Splits CSV text into records by RFC 4180: fields separated by commas, records by CRLF or LF
/// (a lone CR too); a field in double quotes may hold commas, line breaks and doubled quotes ("").
/// A quote inside an unquoted field is kept literally (as Python's csv module and pandas do).
/// Errors name the file and the line: an unterminated quoted field (the line where it opened),
/// text after a closing quote. Blank lines yield no record (pandas skips them) and are counted.
/// </summary>
public static class CsvRecords
{
    /// <summary>Reads a UTF-8 file (BOM optional); invalid UTF-8 is reported with its line.</summary>
    public static IReadOnlyList<CsvRecord> ReadFile(string path, out int blankLines)
    {
        if (!File.Exists(path))
            throw new DataFormatException(path, 0, "file not found");
        return Parse(path, DecodeUtf8(path, File.ReadAllBytes(path)), out blankLines);
    }

    public static IReadOnlyList<CsvRecord> Parse(string path, string text, out int blankLines)
    {
        var records = new List<CsvRecord>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int blanks = 0;
        int line = 1, recordLine = 1, i = 0;
        bool recordHasContent = false;

        void EndRecord()
        {
            fields.Add(field.ToString());
            field.Clear();
            if (fields.Count == 1 && fields[0].Length == 0 && !recordHasContent)
                blanks++;
            else
                records.Add(new CsvRecord(recordLine, fields.ToArray()));
            fields.Clear();
            recordHasContent = false;
        }

        // Consumes a line break at i (CRLF, LF or CR) and returns its length, or 0 when there is none.
        int LineBreakAt(int at) =>
            at >= text.Length ? 0 :
            text[at] == '\n' ? 1 :
            text[at] == '\r' ? (at + 1 < text.Length && text[at + 1] == '\n' ? 2 : 1) : 0;

        while (i < text.Length)
        {
            char c = text[i];
            if (c == '"' && field.Length == 0)
            {
                // A quoted field: read to the closing quote; "" is one quote; line breaks are content.
                recordHasContent = true;
                int openLine = line;
                i++;
                while (true)
                {
                    if (i >= text.Length)
                        throw new DataFormatException(path, openLine, "unterminated quoted field (the closing \" is missing)");
                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    int lb = LineBreakAt(i);
                    if (lb > 0) { field.Append(text, i, lb); i += lb; line++; continue; }
                    field.Append(text[i++]);
                }
                if (i < text.Length && text[i] != ',' && LineBreakAt(i) == 0)
                    throw new DataFormatException(path, line, $"unexpected '{text[i]}' after a closing quote (a quote inside a quoted field must be doubled: \"\")");
                continue;
            }
            if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
                recordHasContent = true;
                i++;
                continue;
            }
            int breakLength = LineBreakAt(i);
            if (breakLength > 0)
            {
                EndRecord();
                i += breakLength;
                line++;
                recordLine = line;
                continue;
            }
            field.Append(c);
            i++;
        }
        // The last record needs no line break after it.
        if (field.Length > 0 || fields.Count > 0 || recordHasContent)
            EndRecord();
        blankLines = blanks;
        return records;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string DecodeUtf8(string path, byte[] bytes)
    {
        int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
        try
        {
            return StrictUtf8.GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException)
        {
            // Find the line: decode line by line until one fails.
            int line = 1, lineStart = start;
            for (int j = start; j <= bytes.Length; j++)
            {
                if (j < bytes.Length && bytes[j] != (byte)'\n') continue;
                try { StrictUtf8.GetString(bytes, lineStart, j - lineStart); }
                catch (DecoderFallbackException) { break; }
                line++;
                lineStart = j + 1;
            }
            throw new DataFormatException(path, line, "not valid UTF-8 (save the file as UTF-8, with or without BOM)");
        }
    }
}
