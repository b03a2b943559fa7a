using ChatGlmLab.Tokenization;
using System.Diagnostics;

namespace ChatGlmLab.Benchmarks;

/// <summary>Measures <see cref="ChatGlmTokenizer.Encode"/> throughput (single thread), e.g. over CLUENER dev.</summary>
public static class TokenizerBenchmark
{
    /// <summary>Encodes all <paramref name="sentences"/> once to warm up, then <paramref name="passes"/> timed passes.</summary>
    public static TokenizerBenchmarkResult Run(ChatGlmTokenizer tokenizer, IReadOnlyList<string> sentences, int passes = 5, bool addSpecialTokens = true)
    {
        if (passes < 1) throw new ArgumentOutOfRangeException(nameof(passes), "must be >= 1");
        long tokens = 0;
        foreach (var s in sentences) tokens += tokenizer.Encode(s, addSpecialTokens).Length; // warm-up + token count
        var times = new List<double>();
        for (int p = 0; p < passes; p++)
        {
            var watch = Stopwatch.StartNew();
            foreach (var s in sentences) tokenizer.Encode(s, addSpecialTokens);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        double median = times[times.Count / 2];
        return new TokenizerBenchmarkResult(sentences.Count, sentences.Sum(s => s.Length), tokens, passes,
            times[0], median, sentences.Count / (median / 1000), tokens / (median / 1000));
    }
}
