using System.Text.Json;

namespace ChatGlmLab.Runtime;

/// <summary>
/// Reading a whole JSON file the kit wrote or a user gave (results, scheduler state, markers): a file that is not valid
/// JSON, or not the expected shape, is an <see cref="InvalidDataException"/> naming the file and the line, never a bare
/// JsonException that leaves the user guessing which of a run's files is broken.
/// </summary>
public static class JsonFile
{
    public static T Deserialize<T>(string path, JsonSerializerOptions? options = null)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), options)
                   ?? throw new InvalidDataException($"{path}: the file holds null, not a {typeof(T).Name}; fix or delete it");
        }
        catch (JsonException e) { throw Invalid(path, e); }
    }

    public static JsonDocument Parse(string path)
    {
        try { return JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException e) { throw Invalid(path, e); }
    }

    private static InvalidDataException Invalid(string path, JsonException e) =>
        new($"{path}: not valid JSON or not the expected fields (line {(e.LineNumber ?? 0) + 1}: {e.Message.Split('\n')[0]}); fix or delete the file", e);
}
