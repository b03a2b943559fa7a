using System.Text.Json;

namespace ChatGlmLab.Datasets.Ner;

/// <summary>
/// The kit's own NER format, JSON Lines, one sentence per line:
/// <c>{"text":"...","entities":[{"type":"T","start":0,"end":2,"mention":"使用"}]}</c>.
/// Offsets are .NET string indices with an exclusive end (equal to Python indices for BMP-only text);
/// <c>mention</c> is redundant on purpose so a file can be checked by eye and by the reader.
/// Writing then reading gives back the same examples (lossless).
/// </summary>
public static class NerJson
{
    public static LoadResult<NerExample> Read(string path, bool lenient = false) => NerJsonLines.Read(path, lenient, ReadEntities);

    /// <summary>Parses one JSON line; returns the example or a reason it is invalid.</summary>
    public static (NerExample? Example, string? Problem) ParseLine(string line) => NerJsonLines.ParseLine(line, ReadEntities);

    private static string? ReadEntities(JsonElement root, string text, List<NerEntity> entities)
    {
        if (root.TryGetProperty("entities", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            if (list.ValueKind != JsonValueKind.Array)
                return "'entities' must be a list";
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object ||
                    !item.TryGetProperty("type", out var t) || t.ValueKind != JsonValueKind.String ||
                    !item.TryGetProperty("start", out var s) || !JsonText.TryGetInt(s, out var start) ||
                    !item.TryGetProperty("end", out var e) || !JsonText.TryGetInt(e, out var end) ||
                    !item.TryGetProperty("mention", out var m) || m.ValueKind != JsonValueKind.String)
                    return $"entity must be {{\"type\": string, \"start\": int, \"end\": int, \"mention\": string}}, found {item.GetRawText()}";
                var entity = new NerEntity(t.GetString()!, start, end, m.GetString()!);
                if (NerExampleValidator.Problem(text, entity) is { } p)
                    return p;
                entities.Add(entity);
            }
        }
        return null;
    }

    public static void Write(string path, IEnumerable<NerExample> examples)
    {
        using var stream = File.Create(path);
        Write(stream, examples);
    }

    public static void Write(Stream stream, IEnumerable<NerExample> examples)
    {
        foreach (var example in examples)
        {
            using (var writer = new Utf8JsonWriter(stream, JsonText.CompactWriter))
            {
                writer.WriteStartObject();
                writer.WriteString("text", example.Text);
                writer.WriteStartArray("entities");
                foreach (var e in example.Entities)
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", e.Type);
                    writer.WriteNumber("start", e.Start);
                    writer.WriteNumber("end", e.End);
                    writer.WriteString("mention", e.Mention);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            stream.WriteByte((byte)'\n');
        }
    }
}
