using System.Diagnostics;
using ChatGlmLab.Runtime;

namespace ChatGlmLab.Experiments;

/// <summary>
/// The seed's section-7 comparison, end to end: NER corpus → 3-turn records → base model (built and
/// pretrained, or given) → each method fine-tuned with the same data and budget (<see cref="MethodRun"/>)
/// → dev predictions → BLEU-4 / ROUGE (the toolkit's metric), entity P/R/F1 (gold history and cascade,
/// raw and grounded), trainable %, peak memory, time; beside them the reference tagger (<see cref="TaggerRun"/>) on the
/// same sentences → results.json, report.md.
/// </summary>
public static class Comparison
{
    public static ComparisonResult Run(CompareOptions options, Action<string>? log = null)
    {
        log ??= _ => { };
        var clock = Stopwatch.StartNew();
        var data = ExperimentData.Prepare(options, log);
        log($"compute: {options.ComputeDescription()}");
        var results = new List<MethodResult> { MethodRun.Base(data, log) };
        foreach (var method in options.Finetune.Methods)
            results.Add(MethodRun.FineTune(data, method.Options, method.LearningRate, log: log));
        var tagger = options.Tagger.Epochs > 0 ? TaggerRun.Run(data, log) : null;
        var result = Summarize(data, results, clock.Elapsed.TotalSeconds, tagger);
        ComparisonReport.Write(result, options.OutputDir);
        return result;
    }

    /// <summary>The comparison of method runs made on <paramref name="data"/> (e.g. by separate notebooks), in the given column order, and the tagger's run when there is one.</summary>
    public static ComparisonResult Summarize(ExperimentData data, IReadOnlyList<MethodResult> methods, double seconds, TaggerResult? tagger = null)
    {
        var options = data.Options;
        return new ComparisonResult
        {
            BaseModel = data.BaseModelDescription,
            TrainSentences = data.TrainExamples.Count, TrainRecords = data.TrainRecords.Count, DevSentences = data.DevExamples.Count, DevRecords = data.DevRecords.Count,
            FinetuneSteps = options.Finetune.Steps, BatchSize = options.Finetune.BatchSize, Seed = options.Seed,
            Compute = options.ComputeDescription(),
            Decoding = options.Generation.Describe() + $", max_new_tokens {options.Generation.MaxNewTokens}",
            Machine = MachineDescription.Current(), Seconds = seconds, Methods = methods, Tagger = tagger,
            Corpus = Path.Combine(options.DataDir, options.TrainFile) + ", " + Path.Combine(options.DataDir, options.DevFile),
            PublishedResults = options.PublishedResults,
        };
    }
}
