using System.Text.Json;

namespace ChatGlmLab.Datasets;

/// <summary>
/// Reads an instruction dataset stored as CSV (the toolkit loads <c>.csv</c> files with HF datasets'
/// csv builder): the header row names the columns, mapped through <see cref="InstructionColumns"/>
/// like JSON fields; RFC 4180 quoting (<see cref="CsvRecords"/>); UTF-8 with or without BOM.
/// <para>The prompt and response columns must be in the header (without them no record could be
/// kept); a missing query or history column reads as "" / no history and is noted in the report.
/// History is a JSON list of [query, response] pairs in one cell (an empty cell means none), read
/// with the same rules as the JSON reader.</para>
/// <para>A row with a different number of fields than the header, or a history cell that is not such
/// JSON, is an error naming file and line (lenient mode: skipped and reported). Empty instruction or
/// output rows are skipped and reported, as for JSON.</para>
/// </summary>
public static class InstructionCsvReader
{
    public const string BlankLinesNote = "blank lines ignored";

    public static LoadResult<InstructionRecord> Read(string path, InstructionColumns? columns = null, bool lenient = false)
    {
        columns ??= InstructionColumns.Default;
        var rows = CsvRecords.ReadFile(path, out int blankLines);
        var report = new LoadReport(path);
        if (blankLines > 0) report.Note(BlankLinesNote, blankLines);
        if (rows.Count == 0)
            throw new DataFormatException(path, 1, "empty file: expected a header row naming the columns (e.g. instruction,input,output,history)");

        var header = rows[0];
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < header.Fields.Count; i++)
            if (!index.TryAdd(header.Fields[i], i))
                throw new DataFormatException(path, header.Line, $"column '{header.Fields[i]}' appears twice in the header");

        int Column(string? name, bool required, string role)
        {
            if (string.IsNullOrEmpty(name)) return -1;
            if (index.TryGetValue(name, out int i)) return i;
            if (required)
                throw new DataFormatException(path, header.Line, InstructionColumns.MissingRequiredField(role, name, header.Fields));
            report.Note($"no '{name}' column ({role}); read as empty");
            return -1;
        }
        int prompt = Column(columns.Prompt, required: true, "prompt");
        int query = Column(columns.Query, required: false, "query");
        int response = Column(columns.Response, required: true, "response");
        int history = Column(columns.History, required: false, "history");

        var records = new List<InstructionRecord>();
        foreach (var row in rows.Skip(1))
        {
            if (row.Fields.Count != header.Fields.Count)
            {
                RecordErrorPolicy.Handle(report, lenient, row.Line, $"{row.Fields.Count} fields, but the header has {header.Fields.Count}");
                continue;
            }
            string Cell(int i) => i < 0 ? "" : row.Fields[i];
            var (turns, problem) = ParseHistoryCell(Cell(history), columns.History, report);
            if (problem != null)
            {
                RecordErrorPolicy.Handle(report, lenient, row.Line, problem);
                continue;
            }
            InstructionFileReader.Keep(new InstructionRecord(Cell(prompt), Cell(query), Cell(response), turns!), row.Line, report, records);
        }
        return new LoadResult<InstructionRecord>(records, report);
    }

    private static (IReadOnlyList<(string, string)>? History, string? Problem) ParseHistoryCell(string cell, string? name, LoadReport report)
    {
        if (string.IsNullOrWhiteSpace(cell)) return (InstructionRecord.NoHistory, null);
        try
        {
            using var doc = JsonDocument.Parse(cell);
            return InstructionFileReader.ParseHistory(doc.RootElement, name!, report);
        }
        catch (JsonException ex)
        {
            return (null, $"'{name}' cell is not JSON (expected [[query, response], ...]): {ex.Message}");
        }
    }
}
