using System.Text.Json;

namespace ChatGlmLab.Datasets.Ner;

/// <summary>
/// Reads CLUENER2020 JSON Lines: <c>{"text": "...", "label": {type: {mention: [[start, end], ...]}}}</c>
/// with 0-based Python (code point) offsets and an INCLUSIVE end. Produces <see cref="NerExample"/>s
/// with UTF-16 exclusive-end spans in text order. A record without "label" (the unlabelled test split)
/// has no entities.
/// </summary>
public static class CluenerReader
{
    public static LoadResult<NerExample> Read(string path, bool lenient = false) => NerJsonLines.Read(path, lenient, ReadEntities);

    /// <summary>Parses one JSON line; returns the example or a reason it is invalid.</summary>
    public static (NerExample? Example, string? Problem) ParseLine(string line) => NerJsonLines.ParseLine(line, ReadEntities);

    private static string? ReadEntities(JsonElement root, string text, List<NerEntity> entities)
    {
        if (root.TryGetProperty("label", out var label) && label.ValueKind != JsonValueKind.Null)
        {
            if (label.ValueKind != JsonValueKind.Object)
                return "'label' must be an object {type: {mention: [[start, end], ...]}}";
            var bmpOnly = CodePointOffsets.IsBmpOnly(text);
            foreach (var typeProp in label.EnumerateObject())
            {
                if (typeProp.Value.ValueKind != JsonValueKind.Object)
                    return $"label '{typeProp.Name}' must map mentions to span lists";
                foreach (var mentionProp in typeProp.Value.EnumerateObject())
                {
                    if (mentionProp.Value.ValueKind != JsonValueKind.Array)
                        return $"spans of '{mentionProp.Name}' must be a list of [start, end]";
                    foreach (var span in mentionProp.Value.EnumerateArray())
                    {
                        if (span.ValueKind != JsonValueKind.Array || span.GetArrayLength() != 2 ||
                            !JsonText.TryGetInt(span[0], out var s) || !JsonText.TryGetInt(span[1], out var eInclusive))
                            return $"span of '{mentionProp.Name}' must be [start, end] integers, found {span.GetRawText()}";
                        // Python offsets → UTF-16; inclusive end → exclusive.
                        var start = bmpOnly ? s : CodePointOffsets.ToUtf16(text, s);
                        var end = bmpOnly ? eInclusive + 1 : CodePointOffsets.ToUtf16(text, eInclusive + 1);
                        if (start < 0 || end < 0)
                            return $"span [{s}, {eInclusive}] of '{mentionProp.Name}' ({typeProp.Name}) is outside the text of length {CodePointOffsets.CodePointLength(text)}";
                        var entity = new NerEntity(typeProp.Name, start, end, mentionProp.Name);
                        if (NerExampleValidator.Problem(text, entity) is { } p)
                            return p + " (CLUENER end offsets are inclusive)";
                        entities.Add(entity);
                    }
                }
            }
        }
        // CLUENER groups spans by type and mention; examples keep them in text order.
        var ordered = new NerExample(text, entities).EntitiesInTextOrder();
        entities.Clear();
        entities.AddRange(ordered);
        return null;
    }
}
