using System.Text.Json;

namespace ChatGlmLab.Datasets;

/// <summary>
/// Reads instruction datasets: a JSON array of records, or JSON Lines (one record per line) — the
/// first non-blank character decides. Fields are mapped through <see cref="InstructionColumns"/>.
/// <para>History is a list of [query, response] pairs. The seed's quirky forms are accepted:
/// <c>[["",""],["",""]]</c> (padding, kept as is) and <c>[["aaa"],["",""]]</c> — a one-element pair
/// is read as (query, "") and counted in the report's notes (the Python toolkit would fail to unpack
/// it).</para>
/// <para>Records the toolkit's preprocessing skips (empty instruction or empty output) are skipped
/// here too and reported as such, never dropped silently.</para>
/// </summary>
public static class InstructionFileReader
{
    public const string OneElementPairNote = "history pair with one element read as (query, \"\")";
    public const string EmptyPairNote = "empty history pair [] read as (\"\", \"\")";
    public const string ToolkitSkipReason = "empty instruction or output (the Python toolkit skips such records)";

    public static LoadResult<InstructionRecord> Read(string path, InstructionColumns? columns = null, bool lenient = false)
    {
        columns ??= InstructionColumns.Default;
        if (Directory.Exists(path))
            throw new DataFormatException(path, 0, "is a directory; give the data file inside it");
        if (!File.Exists(path))
            throw new DataFormatException(path, 0, "file not found");
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF)
            bytes = bytes[3..]; // the JSON parser rejects a BOM; line numbers are unaffected
        var report = new LoadReport(path);
        var records = new List<InstructionRecord>();
        var first = FirstNonBlank(bytes);
        var fields = new SortedSet<string>(StringComparer.Ordinal);
        if (first == '[')
            ReadArray(path, bytes, columns, lenient, report, records, fields);
        else
            ReadLines(path, columns, lenient, report, records, fields);
        // A prompt or response column that no record has would skip every record as empty: say so once instead
        // (the CSV reader checks its header the same way).
        if (fields.Count > 0)
            foreach (var (role, name) in new[] { ("prompt", columns.Prompt), ("response", columns.Response) })
                if (!string.IsNullOrEmpty(name) && !fields.Contains(name))
                    throw new DataFormatException(path, 0, InstructionColumns.MissingRequiredField(role, name, fields));
        return new LoadResult<InstructionRecord>(records, report);
    }

    private static void ReadLines(string path, InstructionColumns columns, bool lenient, LoadReport report, List<InstructionRecord> records, ISet<string> fields)
    {
        foreach (var (lineNo, line) in TextLines.JsonLines(path, report, lenient))
        {
            JsonDocument doc;
            try { doc = JsonDocument.Parse(line); }
            catch (JsonException ex)
            {
                RecordErrorPolicy.Handle(report, lenient, lineNo, $"malformed JSON: {ex.Message}");
                continue;
            }
            using (doc)
                Accept(doc.RootElement, lineNo, columns, lenient, report, records, fields);
        }
    }

    private static void ReadArray(string path, byte[] bytes, InstructionColumns columns, bool lenient, LoadReport report, List<InstructionRecord> records, ISet<string> fields)
    {
        // A broken array cannot be resynchronised, so malformed JSON is fatal even in lenient mode;
        // the error names the line the parser stopped at.
        var lineStarts = LineStarts(bytes);
        if (TextLines.InvalidUtf8At(bytes) is int at)
            throw new DataFormatException(path, LineOf(lineStarts, at), TextLines.InvalidUtf8Reason(bytes, at));
        List<long> elementOffsets;
        try { elementOffsets = TopLevelElementOffsets(bytes); }
        catch (JsonException ex)
        {
            throw new DataFormatException(path, (int)(ex.LineNumber ?? -1) + 1, $"malformed JSON: {ex.Message}", ex);
        }
        using var doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = false });
        var index = 0;
        foreach (var element in doc.RootElement.EnumerateArray())
        {
            var line = LineOf(lineStarts, elementOffsets[index++]);
            Accept(element, line, columns, lenient, report, records, fields);
        }
    }

    private static void Accept(JsonElement element, int line, InstructionColumns columns, bool lenient, LoadReport report, List<InstructionRecord> records,
        ISet<string> fields)
    {
        if (element.ValueKind == JsonValueKind.Object)
            foreach (var property in element.EnumerateObject()) fields.Add(property.Name);
        var (record, problem) = ParseRecord(element, columns, report);
        if (problem != null)
        {
            RecordErrorPolicy.Handle(report, lenient, line, problem);
            return;
        }
        Keep(record!, line, report, records);
    }

    /// <summary>Keeps a parsed record, or skips it with the toolkit's reason (shared by the JSON and CSV readers).</summary>
    internal static void Keep(InstructionRecord record, int line, LoadReport report, List<InstructionRecord> records)
    {
        if (record.Instruction.Length == 0 || record.Output.Length == 0)
        {
            report.Skip(line, ToolkitSkipReason);
            return;
        }
        records.Add(record);
        report.Kept();
    }

    /// <summary>Maps one JSON object to a record; returns the reason when it cannot.</summary>
    public static (InstructionRecord? Record, string? Problem) ParseRecord(JsonElement element, InstructionColumns columns, LoadReport? report = null)
    {
        if (element.ValueKind != JsonValueKind.Object)
            return (null, $"expected a JSON object per record, found {element.ValueKind}");
        string Field(string? name, out string? error)
        {
            error = null;
            return string.IsNullOrEmpty(name) ? "" : JsonText.OptionalString(element, name, out error) ?? "";
        }
        var instruction = Field(columns.Prompt, out var e1);
        var input = Field(columns.Query, out var e2);
        var output = Field(columns.Response, out var e3);
        if ((e1 ?? e2 ?? e3) is { } fieldError)
            return (null, fieldError);
        var history = InstructionRecord.NoHistory;
        if (!string.IsNullOrEmpty(columns.History) && element.TryGetProperty(columns.History, out var h) && h.ValueKind != JsonValueKind.Null)
        {
            var (parsed, historyError) = ParseHistory(h, columns.History, report);
            if (historyError != null)
                return (null, historyError);
            history = parsed!;
        }
        return (new InstructionRecord(instruction, input, output, history), null);
    }

    internal static (IReadOnlyList<(string, string)>? History, string? Problem) ParseHistory(JsonElement h, string name, LoadReport? report)
    {
        if (h.ValueKind != JsonValueKind.Array)
            return (null, $"'{name}' must be a list of [query, response] pairs, found {h.ValueKind}");
        var pairs = new List<(string, string)>();
        foreach (var pair in h.EnumerateArray())
        {
            if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() > 2 ||
                pair.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String && x.ValueKind != JsonValueKind.Null))
                return (null, $"'{name}' entry must be [query, response] strings, found {pair.GetRawText()}");
            var items = pair.EnumerateArray().Select(x => x.GetString() ?? "").ToArray();
            switch (items.Length)
            {
                case 2: pairs.Add((items[0], items[1])); break;
                case 1: pairs.Add((items[0], "")); report?.Note(OneElementPairNote); break;
                default: pairs.Add(("", "")); report?.Note(EmptyPairNote); break;
            }
        }
        return (pairs, null);
    }

    private static int FirstNonBlank(byte[] bytes)
    {
        var i = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
        for (; i < bytes.Length; i++)
            if (bytes[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                return bytes[i];
        return -1;
    }

    private static List<long> LineStarts(byte[] bytes)
    {
        var starts = new List<long> { 0 };
        for (var i = 0; i < bytes.Length; i++)
            if (bytes[i] == (byte)'\n')
                starts.Add(i + 1);
        return starts;
    }

    private static int LineOf(List<long> lineStarts, long offset)
    {
        var i = lineStarts.BinarySearch(offset);
        return (i >= 0 ? i : ~i - 1) + 1;
    }

    /// <summary>Byte offsets at which each element of the top-level array starts.</summary>
    private static List<long> TopLevelElementOffsets(byte[] bytes)
    {
        var offsets = new List<long>();
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        while (reader.Read())
        {
            if (reader.CurrentDepth == 1 && reader.TokenType is not (JsonTokenType.EndArray or JsonTokenType.EndObject or JsonTokenType.PropertyName))
                offsets.Add(reader.TokenStartIndex);
        }
        return offsets;
    }
}
