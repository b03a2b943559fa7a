using System.Text.Json;

namespace ChatGlmLab.Datasets.Ner;

/// <summary>
/// What the JSON Lines NER formats share: one object per line with a string "text", blank lines noted,
/// a bad line reported with its number (or skipped and counted in lenient mode). Each format supplies
/// only how it reads the entities of one object.
/// </summary>
internal static class NerJsonLines
{
    /// <summary>Reads the entities of one line's object into the list; returns a problem or null.</summary>
    public delegate string? EntityReader(JsonElement root, string text, List<NerEntity> entities);

    public static LoadResult<NerExample> Read(string path, bool lenient, EntityReader readEntities)
    {
        var report = new LoadReport(path);
        var examples = new List<NerExample>();
        foreach (var (lineNo, line) in TextLines.JsonLines(path, report, lenient))
        {
            var (example, problem) = ParseLine(line, readEntities);
            if (problem != null)
            {
                RecordErrorPolicy.Handle(report, lenient, lineNo, problem);
                continue;
            }
            examples.Add(example!);
            report.Kept();
        }
        return new LoadResult<NerExample>(examples, report);
    }

    /// <summary>Parses one JSON line; returns the example (entities in text order) or a reason it is invalid.</summary>
    public static (NerExample? Example, string? Problem) ParseLine(string line, EntityReader readEntities)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(line); }
        catch (JsonException ex) { return (null, $"malformed JSON: {ex.Message}"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return (null, "expected a JSON object per line");
            if (!root.TryGetProperty("text", out var textEl) || textEl.ValueKind != JsonValueKind.String)
                return (null, "missing string field 'text'");
            var text = textEl.GetString()!;
            var entities = new List<NerEntity>();
            if (readEntities(root, text, entities) is { } problem) return (null, problem);
            return (new NerExample(text, entities), null);
        }
    }
}
