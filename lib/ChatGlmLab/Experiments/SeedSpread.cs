using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatGlmLab.Experiments;

/// <summary>One metric of one column over the seeds: every seed's value, their mean and sample standard deviation.</summary>
public sealed record SpreadCell
{
    [JsonPropertyName("values")] public required IReadOnlyList<double> Values { get; init; }
    [JsonPropertyName("mean")] public double Mean { get; init; }
    /// <summary>Sample standard deviation (n − 1); 0 for a single seed.</summary>
    [JsonPropertyName("sd")] public double StandardDeviation { get; init; }

    public static SpreadCell Of(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        double sd = values.Count > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)) : 0;
        return new SpreadCell { Values = values, Mean = mean, StandardDeviation = sd };
    }
}

/// <summary>The comparison over several seeds: per metric and column, the values and their mean ± sd; each seed's run beside it.</summary>
public sealed record SeedSpreadResult
{
    [JsonPropertyName("seeds")] public required IReadOnlyList<int> Seeds { get; init; }
    [JsonPropertyName("columns")] public required IReadOnlyList<string> Columns { get; init; }
    /// <summary>Metric name → one cell per column (null where the column has no such score: the tagger's BLEU).</summary>
    [JsonPropertyName("metrics")] public required IReadOnlyDictionary<string, IReadOnlyList<SpreadCell?>> Metrics { get; init; }
    /// <summary>Each seed's results folder, in <see cref="Seeds"/>' order.</summary>
    [JsonPropertyName("runs")] public required IReadOnlyList<string> Runs { get; init; }
    [JsonPropertyName("budget")] public required string Budget { get; init; }
    [JsonPropertyName("seconds")] public double Seconds { get; init; }
}

/// <summary>
/// The comparison run once per seed (<see cref="CompareOptions.Seed"/>: the fine-tuning runs, the records drawn and the
/// tagger; every seed fine-tunes the same base model) and summarised as mean ± sd per method, so a difference between
/// methods can be told from seed noise. Each run keeps its own folder (OutputDir/seed-N, a full comparison report);
/// the summary is spread.json and spread.md in OutputDir.
/// </summary>
public static class SeedSpread
{
    public const string ResultFile = "spread.json";
    public const string ReportFile = "spread.md";

    /// <summary>The scores summarised, by the comparison table's row names (the tagger's spans stand in both cascade rows, as in the table).</summary>
    private static readonly (string Metric, Func<MethodResult, double> Method, Func<TaggerResult, double>? Tagger)[] Scores =
    [
        (ComparisonReport.GroundedF1Row, m => m.CascadeGrounded.Micro.F1 * 100, t => t.Entity.Micro.F1 * 100),
        (ComparisonReport.CascadeF1Row, m => m.Cascade.Micro.F1 * 100, t => t.Entity.Micro.F1 * 100),
        (ComparisonReport.GoldHistoryF1Row, m => m.GoldHistory.Micro.F1 * 100, null),
        (ComparisonReport.Bleu4Row, m => m.Generation.Bleu4, null),
        (ComparisonReport.RougeLRow, m => m.Generation.RougeL, null),
    ];

    public static SeedSpreadResult Run(CompareOptions options, IReadOnlyList<int> seeds, Action<string>? log = null)
    {
        if (Problem(seeds) is string problem) throw new ArgumentException($"seeds {string.Join(",", seeds)}: {problem}");
        log ??= _ => { };
        // One base model for every seed: cached where the options put it, not in each seed's folder.
        options = options with { BaseModelCacheDir = options.BaseModelCacheFolder() };
        var runs = new List<(ComparisonResult Result, string Dir)>();
        foreach (int seed in seeds)
        {
            string dir = Path.Combine(options.OutputDir, $"seed-{seed}");
            log($"seed {seed} ({runs.Count + 1} of {seeds.Count}): {dir}");
            runs.Add((Comparison.Run(options with { Seed = seed, OutputDir = dir }, log), dir));
        }
        var spread = Summarize(runs.Select(r => r.Result).ToList(), runs.Select(r => r.Dir).ToList());
        Write(spread, options.OutputDir);
        return spread;
    }

    /// <summary>Why <paramref name="seeds"/> cannot make a spread (none, or one given twice), or null when they can.</summary>
    public static string? Problem(IReadOnlyList<int> seeds) =>
        seeds.Count == 0 ? "give at least one seed"
        : seeds.GroupBy(s => s).FirstOrDefault(g => g.Count() > 1) is { } twice ? $"{twice.Key} is given twice; each seed is one run" : null;

    /// <summary>The spread of runs that differ only in their seed (same columns in the same order).</summary>
    public static SeedSpreadResult Summarize(IReadOnlyList<ComparisonResult> runs, IReadOnlyList<string> dirs)
    {
        var columns = ComparisonReport.Columns(runs[0]);
        foreach (var run in runs)
            if (!ComparisonReport.Columns(run).SequenceEqual(columns))
                throw new ArgumentException($"seed {run.Seed}: columns {string.Join(", ", ComparisonReport.Columns(run))}, not {string.Join(", ", columns)}; a spread needs the same methods in every run");
        var metrics = new Dictionary<string, IReadOnlyList<SpreadCell?>>();
        foreach (var (metric, method, tagger) in Scores)
        {
            var cells = new List<SpreadCell?>();
            for (int c = 0; c < runs[0].Methods.Count; c++)
                cells.Add(SpreadCell.Of(runs.Select(r => method(r.Methods[c])).ToList()));
            if (runs[0].Tagger != null)
                cells.Add(tagger == null ? null : SpreadCell.Of(runs.Select(r => tagger(r.Tagger!)).ToList()));
            metrics[metric] = cells;
        }
        return new SeedSpreadResult
        {
            Seeds = runs.Select(r => r.Seed).ToList(), Columns = columns, Metrics = metrics, Runs = dirs,
            Budget = ComparisonReport.Budget(runs[0]), Seconds = runs.Sum(r => r.Seconds),
        };
    }

    /// <summary>mean ± sd per metric and column, in the comparison table's layout.</summary>
    public static string Markdown(SeedSpreadResult s)
    {
        string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.Append("| metric (mean ± sd over seeds ").Append(string.Join(", ", s.Seeds)).Append(") | ").Append(string.Join(" | ", s.Columns)).AppendLine(" |");
        sb.Append("|---|").Append(string.Concat(s.Columns.Select(_ => "---:|"))).AppendLine();
        foreach (var (metric, cells) in s.Metrics)
            sb.Append("| ").Append(metric).Append(" | ")
              .Append(string.Join(" | ", cells.Select(c => c is null ? "-" : $"{F(c.Mean)} ± {F(c.StandardDeviation)}"))).AppendLine(" |");
        return sb.ToString();
    }

    public static void Write(SeedSpreadResult s, string dir)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, ResultFile), JsonSerializer.Serialize(s, ComparisonReport.Json) + "\n");
        var md = new StringBuilder();
        md.AppendLine($"# The comparison over {s.Seeds.Count} seeds").AppendLine();
        md.AppendLine(Markdown(s));
        md.AppendLine("Each seed's value, in the order of the seeds:").AppendLine();
        foreach (var (metric, cells) in s.Metrics)
            md.AppendLine($"- {metric}: " + string.Join("; ", s.Columns.Zip(cells).Where(x => x.Second != null)
                .Select(x => $"{x.First} {string.Join(" / ", x.Second!.Values.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)))}")));
        md.AppendLine();
        md.AppendLine($"- every seed fine-tunes the same base model; budget of each run: {s.Budget}");
        md.AppendLine($"- runs: {string.Join(", ", s.Runs)}; total {s.Seconds:F0} s");
        File.WriteAllText(Path.Combine(dir, ReportFile), md.ToString());
    }
}
