using System.Text.Json;
using ChatGlmLab.Datasets;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Evaluation;

namespace ChatGlmLab.Cli.Commands;

/// <summary>
/// Re-scores a generated_predictions.jsonl (this kit's or the Python toolkit's) with the toolkit's BLEU-4 /
/// ROUGE / accuracy; with --dataset_file (the records the predictions answer, in order) also entity P/R/F1,
/// gold spans from the records' answers or from --ner_file. Predictions may cover only the first records
/// (max_eval_samples).
/// </summary>
public static class ScoreCommand
{
    public static ArgumentSpec Spec() =>
        new ArgumentSpec("score")
            .With("predictions_file", typeof(string), "a generated_predictions.jsonl, this kit's or the Python toolkit's (required)")
            .With("dataset_file", typeof(string), "the instruction records the predictions answer, in order: adds entity P/R/F1")
            .With("ner_file", typeof(string), "a NER corpus with the gold spans (needs --dataset_file; default: spans parsed from the records' answers)")
            .With("ner_format", typeof(string), $"format of --ner_file: {string.Join(", ", NerCorpusFiles.Formats)} (default: recognised from the file)")
            .With("output_file", typeof(string), "where the scores go as JSON (default: predict_scores.json beside --predictions_file)");

    public static int Run(string[] args, CliContext context)
    {
        var given = Spec().Parse(args);
        string predictionsPath = given.Require("predictions_file", "a generated_predictions.jsonl");
        if (given.IsGiven("ner_file") && !given.IsGiven("dataset_file"))
            throw new CliUsageException("--ner_file needs --dataset_file (the records the predictions answer, to parse the answers into spans)");
        var (labels, predictions) = GeneratedPredictionsFile.Read(InputFile.Require(predictionsPath, "--predictions_file", "generated_predictions.jsonl"));
        if (predictions.Count == 0) throw new CliUsageException($"{predictionsPath} has no predictions");

        List<InstructionRecord>? records = null;
        if (given.Get("dataset_file") is { } datasetPath)
        {
            InputFile.Require(datasetPath, "--dataset_file", "instruction records file");
            records = InstructionFileReader.Read(datasetPath).Items.ToList();
            if (records.Count < predictions.Count)
                throw new CliUsageException($"{predictionsPath} has {predictions.Count} predictions but {datasetPath} only {records.Count} records");
            int complete = PredictionScoring.CompleteSentenceRecords(records, predictions.Count);
            records = records.Take(predictions.Count).ToList();
            for (int i = 0; i < records.Count; i++)
                if (records[i].Output != labels[i])
                    throw new CliUsageException($"prediction {i + 1}'s label differs from record {i + 1}'s output: the predictions do not answer {datasetPath} in order");
            if (complete < records.Count)
                context.Stdout.WriteLine($"entity scores cover the first {complete} predictions: the last sentence's records are cut off after prediction {predictions.Count}");
            records = records.Take(complete).ToList();
        }
        IReadOnlyList<NerExample>? gold = given.Get("ner_file") is { } nerPath
            ? NerCorpusFiles.Read(nerPath, given.Get("ner_format"), lenient: false, "--ner_file").Items
            : null;

        var scores = PredictionScoring.Score(labels, predictions, "predict_", records, gold);
        string outputPath = given.Get("output_file") ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(predictionsPath))!, "predict_scores.json");
        var document = new Dictionary<string, object?>
        {
            ["predictions_file"] = Path.GetFullPath(predictionsPath),
            ["predictions"] = predictions.Count,
            ["metrics"] = new SortedDictionary<string, double>(scores.Metrics, StringComparer.Ordinal),
            ["entity_note"] = scores.EntityNote,
            ["entities"] = scores.Entities,
        };
        File.WriteAllText(outputPath, JsonSerializer.Serialize(document, PredictionScoring.JsonOptions) + "\n");

        var output = context.Stdout;
        output.WriteLine($"{predictions.Count} predictions from {predictionsPath}");
        PredictionScoring.PrintMetrics(output, scores.Metrics);
        output.WriteLine(scores.EntityNote);
        output.WriteLine($"scores: {Path.GetFullPath(outputPath)}");
        return CliApp.Ok;
    }
}
