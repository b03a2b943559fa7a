using ChatGlmLab.Evaluation;
using ChatGlmLab.Tasks.Ner;

namespace ChatGlmLab.Experiments;

/// <summary>One dev record with its gold answer and a run's prediction, for reading a run's output side by side.</summary>
public sealed record PredictionSample(int Sentence, NerTurnKind Turn, string Question, string Label, string Prediction);

/// <summary>A run's generated_predictions.jsonl paired with the dev records it answers.</summary>
public static class PredictionSamples
{
    /// <summary>
    /// The first <paramref name="count"/> dev records of a run, one of each turn kind in turn, with the question's last
    /// <paramref name="questionChars"/> characters (the part that differs between records; the label list is long).
    /// </summary>
    public static IReadOnlyList<PredictionSample> Of(ExperimentData data, MethodResult run, int count = 6, int questionChars = 48)
    {
        var (labels, predictions) = GeneratedPredictionsFile.Read(Path.Combine(run.OutputDir ?? throw new InvalidOperationException($"{run.Name}: no output_dir"), GeneratedPredictionsFile.FileName));
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
