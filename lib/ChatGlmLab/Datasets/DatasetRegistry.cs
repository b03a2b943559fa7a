using System.Text.Json;

namespace ChatGlmLab.Datasets;

/// <summary>Reads and writes dataset_info.json (the toolkit's dataset registry).</summary>
public sealed class DatasetRegistry
{
    public const string FileName = "dataset_info.json";

    private readonly Dictionary<string, DatasetEntry> _entries;

    public DatasetRegistry(string path, IEnumerable<DatasetEntry> entries)
    {
        Path = path;
        _entries = new Dictionary<string, DatasetEntry>(StringComparer.Ordinal);
        foreach (var e in entries)
            _entries[e.Name] = e;
    }

    public string Path { get; }
    public IReadOnlyCollection<DatasetEntry> Entries => _entries.Values;

    public DatasetEntry Get(string name) =>
        _entries.TryGetValue(name, out var entry)
            ? entry
            : throw new DataFormatException(Path, 0, $"no dataset named '{name}'; known: {string.Join(", ", _entries.Keys.Order(StringComparer.Ordinal))}");

    public static DatasetRegistry Load(string path)
    {
        if (!File.Exists(path))
            throw new DataFormatException(path, 0, "file not found (the dataset registry, dataset_info.json, must be in the dataset dir)");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException ex) { throw new DataFormatException(path, (int)(ex.LineNumber ?? -1) + 1, $"malformed JSON: {ex.Message}", ex); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new DataFormatException(path, 1, "expected an object {name: {file_name, file_sha1, columns, ...}}");
            var entries = new List<DatasetEntry>();
            foreach (var prop in doc.RootElement.EnumerateObject())
                entries.Add(ParseEntry(path, prop));
            return new DatasetRegistry(path, entries);
        }
    }

    private static DatasetEntry ParseEntry(string path, JsonProperty prop)
    {
        var v = prop.Value;
        if (v.ValueKind != JsonValueKind.Object)
            throw new DataFormatException(path, 0, $"entry '{prop.Name}' must be an object");
        string? S(JsonElement obj, string key)
        {
            var s = JsonText.OptionalString(obj, key, out var error);
            if (error != null)
                throw new DataFormatException(path, 0, $"entry '{prop.Name}': {error}");
            return s;
        }
        var columns = InstructionColumns.Default;
        if (v.TryGetProperty("columns", out var c) && c.ValueKind == JsonValueKind.Object)
        {
            // A key present with "" or null means "no such column"; a missing key keeps the default.
            string? Col(string key, string? fallback) => c.TryGetProperty(key, out _) ? S(c, key) : fallback;
            columns = new InstructionColumns(
                Col("prompt", columns.Prompt), Col("query", columns.Query), Col("response", columns.Response), Col("history", columns.History));
        }
        return new DatasetEntry(prop.Name)
        {
            FileName = S(v, "file_name"),
            FileSha1 = S(v, "file_sha1"),
            HfHubUrl = S(v, "hf_hub_url"),
            ScriptUrl = S(v, "script_url"),
            SourceUrl = S(v, "source_url"),
            Description = S(v, "description"),
            Columns = columns,
        };
    }

    /// <summary>Writes entries in the given order, 2-space indent, LF, UTF-8 without BOM.</summary>
    public static void Write(string path, IEnumerable<DatasetEntry> entries)
    {
        using var stream = File.Create(path);
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions
               {
                   Encoder = JsonText.CompactWriter.Encoder,
                   Indented = true,
                   NewLine = "\n",
               }))
        {
            writer.WriteStartObject();
            foreach (var e in entries)
            {
                writer.WriteStartObject(e.Name);
                void Opt(string key, string? value) { if (value != null) writer.WriteString(key, value); }
                Opt("hf_hub_url", e.HfHubUrl);
                Opt("script_url", e.ScriptUrl);
                Opt("file_name", e.FileName);
                Opt("file_sha1", e.FileSha1);
                Opt("source_url", e.SourceUrl);
                Opt("description", e.Description);
                writer.WriteStartObject("columns");
                writer.WriteString("prompt", e.Columns.Prompt ?? "");
                writer.WriteString("query", e.Columns.Query ?? "");
                writer.WriteString("response", e.Columns.Response ?? "");
                writer.WriteString("history", e.Columns.History ?? "");
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
    }
}
