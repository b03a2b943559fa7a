using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using ChatGlmLab.Adapters;
using ChatGlmLab.Evaluation;
using ChatGlmLab.Metrics;
using ChatGlmLab.Tasks.Ner;

namespace ChatGlmLab.Experiments;

/// <summary>One way of asking for the entities, as measured by the format study.</summary>
public sealed record FormatStudyRow
{
    [JsonPropertyName("format")] public required string Format { get; init; }
    [JsonPropertyName("decoding")] public required string Decoding { get; init; }
    [JsonPropertyName("entities")] public required EntityEvaluation Entities { get; init; }
    /// <summary>Model calls (questions) per dev sentence.</summary>
    [JsonPropertyName("questions_per_sentence")] public double QuestionsPerSentence { get; init; }
    [JsonPropertyName("generated_tokens_per_sentence")] public double GeneratedTokensPerSentence { get; init; }
    [JsonPropertyName("seconds_per_sentence")] public double SecondsPerSentence { get; init; }
    [JsonPropertyName("train_records")] public int TrainRecords { get; init; }
    [JsonPropertyName("train_seconds")] public double TrainSeconds { get; init; }
    [JsonPropertyName("train_loss")] public double TrainLoss { get; init; }
}

/// <summary>
/// The seed's 3-turn format against one single-pass question per sentence, with the same method,
/// budget and base model: entity F1 on dev and what each costs per sentence (model calls, generated
/// tokens, seconds). The 3-turn model is evaluated as a cascade (its own earlier answers feed the next
/// turns), raw and with grounded answers; the single-pass answer lists (type, mention) pairs whose
/// positions are found by locating the mentions in the sentence. Written to format_study.json.
/// </summary>
public static class FormatStudy
{
    public const string ResultFile = "format_study.json";

    public static IReadOnlyList<FormatStudyRow> Run(ExperimentData data, FinetuningOptions method, double learningRate, Action<string>? log = null)
    {
        var rows = new List<FormatStudyRow>();
        int sentences = Math.Max(1, data.DevExamples.Count);

        var (threeTurn, threeTurnTrain) = MethodRun.Train(data, method, learningRate, "format-3turn", data.TrainInputs, log);
        using (threeTurn)
        {
            threeTurn.eval();
            var predictor = new Predictor(threeTurn, data.Preprocessor, data.Options.Generation, data.Options.EvalBatchSize);
            var clock = Stopwatch.StartNew();
            var cascade = new NerEvaluation(data.Builder, data.Parser).Cascade(data.DevExamples, predictor);
            // The cascade runs raw and grounded back to back; each gets half of the cost.
            double half = clock.Elapsed.TotalSeconds / 2;
            foreach (var (decoding, entities) in new[] { ("raw", cascade.Raw), ("grounded", cascade.Grounded) })
                rows.Add(new FormatStudyRow
                {
                    Format = "3-turn", Decoding = decoding, Entities = entities,
                    QuestionsPerSentence = cascade.Questions / 2.0 / sentences, GeneratedTokensPerSentence = cascade.GeneratedTokens / 2.0 / sentences,
                    SecondsPerSentence = half / sentences, TrainRecords = data.TrainRecords.Count, TrainSeconds = threeTurnTrain.Seconds, TrainLoss = threeTurnTrain.TrainLoss,
                });
        }

        var singlePass = new SinglePassBuilder();
        var trainRecords = singlePass.BuildAll(data.TrainExamples).Select(r => r.Record).ToList();
        var (single, singleTrain) = MethodRun.Train(data, method, learningRate, "format-single-pass", data.Tokenize(trainRecords), log);
        using (single)
        {
            single.eval();
            var predictor = new Predictor(single, data.Preprocessor, data.Options.Generation, data.Options.EvalBatchSize);
            var clock = Stopwatch.StartNew();
            var answers = predictor.Predict(data.DevExamples.Select(singlePass.Record).ToList());
            double seconds = clock.Elapsed.TotalSeconds;
            var scorer = new EntityScorer();
            for (int i = 0; i < data.DevExamples.Count; i++)
            {
                var example = data.DevExamples[i];
                var parsed = data.Parser.ParseSinglePass(example.Text, answers[i]);
                scorer.Add(NerEvaluation.Gold(example), parsed.Entities.Select(e => new TypedSpan(e.Type, e.Start, e.End)));
                scorer.AddUnparsableAnswers(parsed.UnparsableAnswers);
            }
            rows.Add(new FormatStudyRow
            {
                Format = "single-pass", Decoding = "mentions located in the sentence", Entities = scorer.Result(),
                QuestionsPerSentence = 1, GeneratedTokensPerSentence = (double)predictor.GeneratedTokens / sentences, SecondsPerSentence = seconds / sentences,
                TrainRecords = trainRecords.Count, TrainSeconds = singleTrain.Seconds, TrainLoss = singleTrain.TrainLoss,
            });
        }
        foreach (var r in rows)
            log?.Invoke($"{r.Format} ({r.Decoding}): entity F1 {r.Entities.Micro.F1 * 100:F1}, {r.QuestionsPerSentence:F1} questions, {r.GeneratedTokensPerSentence:F1} tokens, {r.SecondsPerSentence:F2} s per sentence");
        File.WriteAllText(Path.Combine(data.Options.OutputDir, ResultFile), JsonSerializer.Serialize(rows, ComparisonReport.Json) + "\n");
        return rows;
    }
}
