using System.Text.Json;

namespace ChatGlmLab.Tokenization;

/// <summary>Text corpora stored as JSON lines (one object per line), e.g. CLUENER2020's train.json / dev.json.</summary>
public static class JsonLinesCorpus
{
    /// <summary>Reads one string field from a JSON-lines file (e.g. CLUENER's "text").</summary>
    public static IEnumerable<string> ReadField(string path, string field = "text")
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"corpus file not found: '{path}'", path);
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(line); }
            catch (JsonException e) { throw new InvalidDataException($"'{path}' line {lineNumber}: not JSON ({e.Message})", e); }
            using (doc)
            {
                if (!doc.RootElement.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.String)
                    throw new InvalidDataException($"'{path}' line {lineNumber}: no string field \"{field}\"");
                yield return value.GetString()!;
            }
        }
    }
}
