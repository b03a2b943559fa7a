using ChatGlmLab.Cli;
using ChatGlmLab.Experiments;
using ChatGlmLab.Metrics;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Experiments;

/// <summary>The comparison over several seeds: each seed's scores kept, their mean and sample standard deviation, each run in its own folder.</summary>
public sealed class SeedSpreadTests : IDisposable
{
    private readonly TempFiles _temp = new();
    private string Dir => _temp.Dir;
    public void Dispose() => _temp.Dispose();

    private static ComparisonResult WithLoraF1(ComparisonResult r, int seed, int correct)
    {
        // lora finds `correct` of 4 gold spans and nothing else: F1 = 2c / (4 + c).
        var gold = Enumerable.Range(0, 4).Select(i => new TypedSpan("name", 3 * i, 3 * i + 2)).ToList();
        var entity = EntityScorer.Score([gold], [gold.Take(correct).ToList()]);
        var lora = r.Methods[1] with { CascadeGrounded = entity, Generation = r.Methods[1].Generation with { Bleu4 = 10 * seed } };
        return r with { Seed = seed, Methods = [r.Methods[0], lora] };
    }

    [Fact]
    public void EachSeedsValueTheirMeanAndSampleStandardDeviation()
    {
        var sample = SampleComparison.Create();
        var runs = new[] { WithLoraF1(sample, 1, 1), WithLoraF1(sample, 2, 2), WithLoraF1(sample, 3, 4) };
        var spread = SeedSpread.Summarize(runs, ["a", "b", "c"]);

        Assert.Equal([1, 2, 3], spread.Seeds);
        Assert.Equal(ComparisonReport.Columns(sample), spread.Columns);
        var lora = spread.Metrics["entity F1, cascade, grounded"][1]!;
        var expected = runs.Select(r => r.Methods[1].CascadeGrounded.Micro.F1 * 100).ToList();
        Assert.Equal(expected, lora.Values);
        Assert.Equal(expected.Average(), lora.Mean, 9);
        double variance = expected.Select(v => (v - expected.Average()) * (v - expected.Average())).Sum() / 2;
        Assert.Equal(Math.Sqrt(variance), lora.StandardDeviation, 9);
        Assert.True(lora.StandardDeviation > 0);
        Assert.Equal([10.0, 20.0, 30.0], spread.Metrics["BLEU-4"][1]!.Values);
        // The tagger has no generated answers: no BLEU cell; its spans stand in the grounded row.
        Assert.Null(spread.Metrics["BLEU-4"][2]);
        Assert.Equal(0, spread.Metrics["entity F1, cascade, grounded"][2]!.StandardDeviation);

        string md = SeedSpread.Markdown(spread);
        Assert.Contains("mean ± sd over seeds 1, 2, 3", md);
        Assert.Contains($"{lora.Mean:F1} ± {lora.StandardDeviation:F1}", md);
    }

    [Fact]
    public void RunsWithOtherColumnsAreRefused()
    {
        var sample = SampleComparison.Create();
        var fewer = sample with { Seed = 2, Methods = [sample.Methods[0]] };
        var e = Assert.Throws<ArgumentException>(() => SeedSpread.Summarize([sample, fewer], ["a", "b"]));
        Assert.Contains("seed 2", e.Message);
    }

    /// <summary>The CLI end to end in the tiny profile: a full comparison per seed (in float32, as --bf16 false asks), and the summary of exactly those runs.</summary>
    [Fact]
    public void CompareWithSeedsRunsEachSeedAndSummarisesThem()
    {
        var stdout = new StringWriter();
        int exit = CliApp.Run(["compare", "--profile", "tiny", "--seeds", "5,6", "--output_dir", Dir, "--dataset_dir", Path.Combine(Paths.RepoRoot, "data"),
            "--tagger_epochs", "2", "--bf16", "false"], TextReader.Null, stdout, new StringWriter());
        Assert.True(exit == 0, stdout.ToString());
        Assert.Contains("mean ± sd over seeds 5, 6", stdout.ToString());

        var runs = new[] { 5, 6 }.Select(seed => ComparisonReport.Read(Path.Combine(Dir, $"seed-{seed}", "results.json"))).ToList();
        Assert.Equal([5, 6], runs.Select(r => r.Seed));
        Assert.All(runs, r => Assert.Equal("fp32", r.Compute));   // --bf16 false, whatever this CPU has
        var spread = System.Text.Json.JsonSerializer.Deserialize<SeedSpreadResult>(File.ReadAllText(Path.Combine(Dir, SeedSpread.ResultFile)))!;
        for (int c = 0; c < runs[0].Methods.Count; c++)
            Assert.Equal(runs.Select(r => r.Methods[c].Generation.RougeL), spread.Metrics["ROUGE-L"][c]!.Values);
        Assert.True(File.Exists(Path.Combine(Dir, SeedSpread.ReportFile)));
        foreach (int seed in new[] { 5, 6 })
            Assert.True(File.Exists(Path.Combine(Dir, $"seed-{seed}", "report.html")), $"seed {seed}: no report.html");
        // Another seed fine-tunes the same base model: one is built (tiny has no shipped one) and the second run takes it from the cache.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(stdout.ToString(), "base model: pretrained"));
    }
}
