using System.Text.Json;
using ChatGlmLab.Data.Instructions;

namespace ChatGlmLab.Experiments;

/// <summary>One dev record with its gold answer and a run's prediction, for reading a run's output side by side.</summary>
public sealed record PredictionSample(int Sentence, NerTurnKind Turn, string Question, string Label, string Prediction);

/// <summary>Reads generated_predictions.jsonl back, alone or paired with the dev records it answers.</summary>
public static class PredictionSamples
{
    public const string FileName = "generated_predictions.jsonl";

    /// <summary>generated_predictions.jsonl ({"label", "predict"} per line; this kit's or the Python toolkit's).</summary>
    public static (List<string> Labels, List<string> Predictions) ReadFile(string path)
    {
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

    /// <summary>
    /// The first <paramref name="count"/> dev records of a run, one of each turn kind in turn, with the question's last
    /// <paramref name="questionChars"/> characters (the part that differs between records; the label list is long).
    /// </summary>
    public static IReadOnlyList<PredictionSample> Of(ExperimentData data, MethodResult run, int count = 6, int questionChars = 48)
    {
        var (labels, predictions) = ReadFile(Path.Combine(run.OutputDir ?? throw new InvalidOperationException($"{run.Name}: no output_dir"), FileName));
        if (labels.Count != data.DevRecords.Count)
            throw new InvalidDataException($"{run.Name}: {labels.Count} predictions for {data.DevRecords.Count} dev records (a run with other options?)");
        var samples = data.DevRecords.Select((r, i) =>
        {
            string question = r.Record.Query;
            return new PredictionSample(r.SentenceIndex, r.Turn, question.Length > questionChars ? "…" + question[^questionChars..] : question, labels[i], predictions[i]);
        });
        // Interleave the turn kinds so a short sample shows every kind of question.
        return samples.GroupBy(s => s.Turn).SelectMany(g => g.Select((s, i) => (s, i))).OrderBy(x => x.i).ThenBy(x => x.s.Turn)
            .Select(x => x.s).Take(count).ToList();
    }
}
