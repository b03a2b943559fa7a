using System.Diagnostics;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.ModelInputs;
using ChatGlmLab.Tasks.Ner;
using ChatGlmLab.Tokenization;

namespace ChatGlmLab.Benchmarks;

/// <summary>Fresh SFT preprocessing of a CLUENER file's 3-turn records against the preprocessing cache (seconds, wall clock).</summary>
public sealed record PreprocessingCacheBenchmarkResult(int Records, long Tokens, long CacheFileBytes,
    double FreshSeconds, double KeySeconds, double MissSeconds, double HitSeconds, bool HitEqualsFresh)
{
    public override string ToString() =>
        $"{Records} 3-turn records, {Tokens / 1e6:F1} M tokens: fresh preprocessing {FreshSeconds:F2} s; cache key {KeySeconds:F2} s; " +
        $"miss (key + tokenize + write {CacheFileBytes / 1e6:F0} MB) {MissSeconds:F2} s; hit (key + read) {HitSeconds:F2} s; hit equals fresh: {HitEqualsFresh}";
}

public static class PreprocessingCacheBenchmark
{
    public static PreprocessingCacheBenchmarkResult Run(string cluenerPath, ChatGlmTokenizer tokenizer, SftOptions? options = null)
    {
        var builder = new NerInstructionBuilder(NerInstructionOptions.Article with { Labels = CluenerLabels.All });
        var records = CluenerReader.Read(cluenerPath).Items.SelectMany((e, i) => builder.Build(e, i)).Select(r => r.Record).ToList();
        var preprocessor = new SupervisedPreprocessor(tokenizer, options ?? new SftOptions());

        foreach (var r in records.Take(500)) preprocessor.ForTraining(r);     // JIT and tokenizer warm-up, not timed
        var clock = Stopwatch.StartNew();
        var fresh = records.Select(preprocessor.ForTraining).ToList();
        double freshSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        PreprocessingCacheKey.Compute(preprocessor, records, SftExampleKind.Training);
        double keySeconds = clock.Elapsed.TotalSeconds;

        var dir = Directory.CreateTempSubdirectory("chatglmlab-cache-bench-").FullName;
        try
        {
            var cache = new PreprocessingCache(dir);
            clock.Restart();
            cache.GetOrBuild(preprocessor, records, SftExampleKind.Training);
            double missSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var hit = cache.GetOrBuild(preprocessor, records, SftExampleKind.Training);
            double hitSeconds = clock.Elapsed.TotalSeconds;
            bool same = hit.Count == fresh.Count && hit.Zip(fresh).All(p =>
                p.First.InputIds.AsSpan().SequenceEqual(p.Second.InputIds) && p.First.Labels.AsSpan().SequenceEqual(p.Second.Labels));
            long bytes = Directory.GetFiles(dir).Sum(f => new FileInfo(f).Length);
            return new PreprocessingCacheBenchmarkResult(records.Count, fresh.Sum(e => (long)e.Length), bytes,
                freshSeconds, keySeconds, missSeconds, hitSeconds, same);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
