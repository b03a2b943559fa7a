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
                labels.Add(doc.RootElement.GetProperty("label").GetString() ?? "");
                predictions.Add(doc.RootElement.GetProperty("predict").GetString() ?? "");
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: expected {{\"label\": ..., \"predict\": ...}} ({e.Message})", e);
            }
        }
        return (labels, predictions);
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
