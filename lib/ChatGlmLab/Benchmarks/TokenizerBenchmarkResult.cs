namespace ChatGlmLab.Benchmarks;

/// <summary>Encoding-speed figures of one <see cref="TokenizerBenchmark.Run"/>.</summary>
public sealed record TokenizerBenchmarkResult(
    int Sentences, int Characters, long TokensPerPass, int Passes,
    double BestPassMilliseconds, double MedianPassMilliseconds, double SentencesPerSecond, double TokensPerSecond)
{
    public override string ToString() =>
        $"{Sentences} sentences ({Characters} chars, {TokensPerPass} tokens) x {Passes} passes: best {BestPassMilliseconds:F1} ms, " +
        $"median {MedianPassMilliseconds:F1} ms per pass -> {SentencesPerSecond:F0} sentences/s, {TokensPerSecond:F0} tokens/s (median pass)";
}
