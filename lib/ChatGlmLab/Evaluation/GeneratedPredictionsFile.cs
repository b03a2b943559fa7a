using System.Text.Encodings.Web;
using System.Text.Json;

namespace ChatGlmLab.Evaluation;

/// <summary>generated_predictions.jsonl, the file predict_with_generate leaves: {"label", "predict"} per line (this kit's or the Python toolkit's).</summary>
public static class GeneratedPredictionsFile
{
    public const string FileName = "generated_predictions.jsonl";

    /// <summary>Labels and predictions in file order; a line that is not such an object names its line.</summary>
    public static (List<string> Labels, List<string> Predictions) Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"predictions file not found: {path}", path);
        var labels = new List<string>();
        var predictions = new List<string>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                labels.Add(StringField(doc.RootElement, "label", path, lineNumber));
                predictions.Add(StringField(doc.RootElement, "predict", path, lineNumber));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: expected {{\"label\": ..., \"predict\": ...}} ({e.Message})", e);
            }
        }
        return (labels, predictions);
    }

    /// <summary>A field that must be a string: null or a number is not an empty answer, it is a broken file.</summary>
    private static string StringField(JsonElement record, string name, string path, int line)
    {
        var value = record.GetProperty(name);
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new InvalidDataException($"{path}:{line}: \"{name}\" is {value.ValueKind.ToString().ToLowerInvariant()}, not a string; regenerate the predictions");
    }

    /// <summary>Writes the file as the Python toolkit does (non-ASCII unescaped).</summary>
    public static void Write(string path, IReadOnlyList<string> labels, IReadOnlyList<string> predictions)
    {
        using var writer = new StreamWriter(path);
        var options = new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        for (int i = 0; i < labels.Count; i++)
            writer.WriteLine(JsonSerializer.Serialize(new Dictionary<string, string> { ["label"] = labels[i], ["predict"] = predictions[i] }, options));
    }
}
