using System.Text.Encodings.Web;
using System.Text.Json;

using ChatGlmLab.Datasets;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Metrics;
using ChatGlmLab.Tasks.Ner;

namespace ChatGlmLab.Evaluation;

/// <summary>What a set of predictions scored: the toolkit's generation metrics and, for NER records, entity P/R/F1.</summary>
public sealed record PredictionScores(Dictionary<string, double> Metrics, EntityEvaluation? Entities, string EntityNote);

/// <summary>
/// Scores predictions like the toolkit (BLEU-4, ROUGE, accuracy with a key prefix) and, when the records
/// they answer are the kit's NER records (3-turn or single-pass), entity-level P/R/F1 from the parsed
/// answers. Gold spans come from the records' own outputs, or from a NER file when one is given.
/// </summary>
public static class PredictionScoring
{
    public const string EntityScoresFile = "predict_entity_scores.json";

    /// <param name="labels">The reference answers, one per prediction.</param>
    /// <param name="predictions">The generated answers, in the records' order.</param>
    /// <param name="prefix">Put before every metric key, e.g. "predict_" gives "predict_bleu-4" and "predict_entity_f1".</param>
    /// <param name="records">The records answered, in order; entity scores cover the first <c>records.Count</c> predictions
    /// (see <see cref="CompleteSentenceRecords"/>), generation metrics all of them.</param>
    /// <param name="goldExamples">The NER file's sentences, in the records' sentence order, to take gold spans from;
    /// null = the records' own outputs.</param>
    public static PredictionScores Score(IReadOnlyList<string> labels, IReadOnlyList<string> predictions, string prefix,
        IReadOnlyList<InstructionRecord>? records, IReadOnlyList<NerExample>? goldExamples = null)
    {
        var metrics = GenerationMetrics.Compute(predictions, labels).Corpus.ToDictionary(prefix);
        if (records == null) return new PredictionScores(metrics, null, "entity scores: no records given");
        if (records.Count > predictions.Count) throw new ArgumentException($"{records.Count} records but only {predictions.Count} predictions");
        if (records.Count == 0) return new PredictionScores(metrics, null, "entity scores: skipped, no complete sentence among the predictions");
        var parser = new NerAnswerParser();
        IReadOnlyList<NerSentenceParse> predicted, goldFromRecords;
        try
        {
            predicted = parser.ParseRecords(records, predictions.Take(records.Count).ToList());
            goldFromRecords = parser.ParseRecords(records, records.Select(r => r.Output).ToList());
        }
        catch (ArgumentException e)
        {
            // Not NER records (or records out of sentence order, e.g. a shuffled dev split): generation metrics only.
            return new PredictionScores(metrics, null, $"entity scores: skipped, the records are not NER records in sentence order ({e.Message})");
        }

        var scorer = new EntityScorer();
        for (int s = 0; s < predicted.Count; s++)
        {
            IReadOnlyList<NerEntity> gold;
            if (goldExamples != null)
            {
                if (s >= goldExamples.Count)
                    throw new InvalidDataException($"the NER file has {goldExamples.Count} sentences but the records have more ({predicted.Count})");
                if (goldExamples[s].Text != predicted[s].Text)
                    throw new InvalidDataException($"sentence {s + 1} of the NER file differs from the records' sentence: '{goldExamples[s].Text}' vs '{predicted[s].Text}'");
                gold = goldExamples[s].Entities;
            }
            else gold = goldFromRecords[s].Result.Entities;
            EntityScoring.AddSentence(scorer, gold, predicted[s].Result);
        }
        var entities = scorer.Result();
        // Same scale as the toolkit's metrics (×100, 4 decimals).
        metrics[prefix + "entity_precision"] = Math.Round(entities.Micro.Precision * 100, 4);
        metrics[prefix + "entity_recall"] = Math.Round(entities.Micro.Recall * 100, 4);
        metrics[prefix + "entity_f1"] = Math.Round(entities.Micro.F1 * 100, 4);
        string source = goldExamples != null ? "gold spans from the NER file" : "gold spans from the records' outputs";
        return new PredictionScores(metrics, entities, $"entity scores: {entities.Sentences} sentences, {source}");
    }

    /// <summary>
    /// How many of the first <paramref name="answered"/> records form whole sentences: when max_eval_samples cuts
    /// a sentence's 3-turn records short, that sentence is left out of entity scoring (its missing position
    /// answers would count as misses). Records that are not NER records are all kept (scoring then skips them).
    /// </summary>
    public static int CompleteSentenceRecords(IReadOnlyList<InstructionRecord> allRecords, int answered)
    {
        if (answered >= allRecords.Count) return allRecords.Count;
        var classifier = new NerRecordClassifier();
        static bool StartsSentence((NerTurnKind Turn, string? Type, string? Mention)? kind) => kind?.Turn is NerTurnKind.Types or NerTurnKind.SinglePass;
        var next = classifier.Classify(allRecords[answered]);
        if (next == null || StartsSentence(next)) return answered;
        int start = answered - 1;
        while (start >= 0 && !StartsSentence(classifier.Classify(allRecords[start]))) start--;
        return Math.Max(start, 0);
    }

    public static void WriteEntityScores(string path, EntityEvaluation entities) =>
        File.WriteAllText(path, JsonSerializer.Serialize(entities, JsonOptions) + "\n");

    public static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void PrintMetrics(TextWriter output, IReadOnlyDictionary<string, double> metrics)
    {
        foreach (var (key, value) in metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            output.WriteLine($"  {key,-28} {value}");
    }
}
