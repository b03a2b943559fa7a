using System.Text.Json;

namespace ChatGlmLab.Data.Ner;

/// <summary>
/// Reads CLUENER2020 JSON Lines: <c>{"text": "...", "label": {type: {mention: [[start, end], ...]}}}</c>
/// with 0-based Python (code point) offsets and an INCLUSIVE end. Produces <see cref="NerExample"/>s
/// with UTF-16 exclusive-end spans in text order. A record without "label" (the unlabelled test split)
/// has no entities.
/// </summary>
public static class CluenerReader
{
    public static LoadResult<NerExample> Read(string path, bool lenient = false)
    {
        var report = new LoadReport(path);
        var examples = new List<NerExample>();
        foreach (var (lineNo, line) in TextLines.Read(path))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                report.Note("blank lines ignored");
                continue;
            }
            var (example, problem) = ParseLine(line);
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

    /// <summary>Parses one JSON line; returns the example or a reason it is invalid.</summary>
    public static (NerExample? Example, string? Problem) ParseLine(string line)
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
            if (root.TryGetProperty("label", out var label) && label.ValueKind != JsonValueKind.Null)
            {
                if (label.ValueKind != JsonValueKind.Object)
                    return (null, "'label' must be an object {type: {mention: [[start, end], ...]}}");
                var bmpOnly = CodePointOffsets.IsBmpOnly(text);
                foreach (var typeProp in label.EnumerateObject())
                {
                    if (typeProp.Value.ValueKind != JsonValueKind.Object)
                        return (null, $"label '{typeProp.Name}' must map mentions to span lists");
                    foreach (var mentionProp in typeProp.Value.EnumerateObject())
                    {
                        if (mentionProp.Value.ValueKind != JsonValueKind.Array)
                            return (null, $"spans of '{mentionProp.Name}' must be a list of [start, end]");
                        foreach (var span in mentionProp.Value.EnumerateArray())
                        {
                            if (span.ValueKind != JsonValueKind.Array || span.GetArrayLength() != 2 ||
                                !JsonText.TryGetInt(span[0], out var s) || !JsonText.TryGetInt(span[1], out var eInclusive))
                                return (null, $"span of '{mentionProp.Name}' must be [start, end] integers, found {span.GetRawText()}");
                            // Python offsets → UTF-16; inclusive end → exclusive.
                            var start = bmpOnly ? s : CodePointOffsets.ToUtf16(text, s);
                            var end = bmpOnly ? eInclusive + 1 : CodePointOffsets.ToUtf16(text, eInclusive + 1);
                            if (start < 0 || end < 0)
                                return (null, $"span [{s}, {eInclusive}] of '{mentionProp.Name}' ({typeProp.Name}) is outside the text of length {CodePointOffsets.CodePointLength(text)}");
                            var entity = new NerEntity(typeProp.Name, start, end, mentionProp.Name);
                            if (NerExampleValidator.Problem(text, entity) is { } p)
                                return (null, p + " (CLUENER end offsets are inclusive)");
                            entities.Add(entity);
                        }
                    }
                }
            }
            var example = new NerExample(text, entities);
            return (new NerExample(text, example.EntitiesInTextOrder()), null);
        }
    }
}
