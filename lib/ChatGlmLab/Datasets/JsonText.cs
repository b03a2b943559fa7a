using System.Text.Encodings.Web;
using System.Text.Json;

namespace ChatGlmLab.Datasets;

/// <summary>
/// JSON settings shared by every writer in the kit: Chinese and quotes written as themselves (like
/// Python's ensure_ascii=False), no indentation, LF only — so generated files are compact, readable and
/// byte-identical when regenerated.
/// </summary>
public static class JsonText
{
    public static readonly JsonWriterOptions CompactWriter = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    public static readonly JsonSerializerOptions Compact = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    public static readonly JsonSerializerOptions Indented = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
        NewLine = "\n",
    };

    public static readonly System.Text.UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>An integer JSON number (JsonElement.TryGetInt32 throws on non-numbers instead of returning false).</summary>
    public static bool TryGetInt(JsonElement e, out int value)
    {
        value = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out value);
    }

    /// <summary>Reads a property that must be a string (or absent/null, which read as ""); anything else is an error.</summary>
    public static string? OptionalString(JsonElement obj, string name, out string? error)
    {
        error = null;
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.String)
        {
            error = $"field '{name}' must be a string, found {value.ValueKind}";
            return null;
        }
        return value.GetString();
    }
}
