using ChatGlmLab.Experiments;
using Plotly.NET;
using Plotly.NET.CSharp;
using Chart = Plotly.NET.CSharp.Chart;

namespace ChatGlmLab.Charts;

/// <summary>
/// The comparison's charts: generation metrics, entity F1, F1 per entity type, loss curves. Each takes the method runs to
/// show (a whole comparison, or the runs of one notebook) and, where it applies, the reference tagger's run; each is a
/// <see cref="Panel"/> (title, axis names with units) shown alone in a notebook or stacked in the report page.
/// </summary>
public static class ComparisonCharts
{
    private const string Model = "model (base, fine-tuning method, reference tagger)";

    public static Panel GenerationMetricsPanel(IReadOnlyList<MethodResult> runs)
    {
        var names = runs.Select(m => m.Name).ToArray();
        (string Metric, Func<MethodResult, double> Value)[] metrics =
        [
            ("BLEU-4", m => m.Generation.Bleu4), ("ROUGE-1", m => m.Generation.Rouge1),
            ("ROUGE-2", m => m.Generation.Rouge2), ("ROUGE-L", m => m.Generation.RougeL),
        ];
        return new Panel("BLEU-4 and ROUGE of the answers on dev (gold history)", "model", "score (0–100)",
            Chart.Combine(metrics.Select(x => Chart.Column<double, string, string>(runs.Select(x.Value).ToArray(), names, Name: x.Metric)))) { YRange = Panel.ScoreRange };
    }

    /// <summary>Entity F1 per model: gold history and the cascade for the fine-tuned models, the tagger's spans in both cascade series.</summary>
    public static Panel EntityF1Panel(IReadOnlyList<MethodResult> runs, TaggerResult? tagger = null)
    {
        var names = runs.Select(m => m.Name).ToArray();
        var withTagger = tagger == null ? names : [.. names, tagger.Name];
        double Tagger() => tagger!.Entity.Micro.F1 * 100;
        IEnumerable<double> Values(Func<MethodResult, double> f, bool tagged) =>
            runs.Select(f).Concat(tagged && tagger != null ? [Tagger()] : []);
        var series = new[]
        {
            Chart.Column<double, string, string>(Values(m => m.GoldHistory.Micro.F1 * 100, false).ToArray(), names, Name: "gold history"),
            Chart.Column<double, string, string>(Values(m => m.Cascade.Micro.F1 * 100, true).ToArray(), withTagger, Name: "cascade"),
            Chart.Column<double, string, string>(Values(m => m.CascadeGrounded.Micro.F1 * 100, true).ToArray(), withTagger, Name: "cascade, grounded"),
        };
        return new Panel("Entity F1 on dev (strict spans)", tagger == null ? "model" : Model, "F1 (%)", Chart.Combine(series)) { YRange = Panel.ScoreRange };
    }

    /// <summary>F1 per entity type (rows) and model (columns), from the grounded cascade (and the tagger's spans); the colour scale is fixed to <see cref="Panel.ScoreRange"/>.</summary>
    public static Panel F1PerTypePanel(IReadOnlyList<MethodResult> runs, TaggerResult? tagger = null)
    {
        var columns = runs.Select(m => (m.Name, PerType: m.CascadeGrounded.PerType)).ToList();
        if (tagger != null) columns.Add((tagger.Name, tagger.Entity.PerType));
        var types = columns.SelectMany(c => c.PerType.Keys).Concat(runs.SelectMany(m => m.GoldHistory.PerType.Keys))
            .Distinct().OrderBy(t => t, StringComparer.Ordinal).ToArray();
        var z = types.Select(t => columns.Select(c => c.PerType.TryGetValue(t, out var s) ? s.F1 * 100 : 0).ToArray()).ToArray();
        var heatmap = Chart.Heatmap<double, string, string, string>(z, X: columns.Select(c => c.Name).ToArray(), Y: types, Name: "F1 (%)", ShowLegend: false);
        foreach (var trace in GenericChart.getTraces(heatmap))
        {
            trace.SetProperty("zmin", Panel.ScoreRange.Min);
            trace.SetProperty("zmax", Panel.ScoreRange.Max);
            trace.SetProperty("texttemplate", "%{z:.0f}");   // the value in each cell
            trace.SetProperty("colorbar", new Dictionary<string, object> { ["title"] = new Dictionary<string, object> { ["text"] = "F1 (%)" } });
        }
        return new Panel("Entity F1 per type on dev (cascade, grounded)", tagger == null ? "model" : Model, "entity type", heatmap);
    }

    /// <summary>
    /// Training loss per step of each fine-tuned model, each point the mean of the last steps' losses: the loss of one batch
    /// jumps by whole units from step to step, and raw lines of models that train alike hide one another. The window is 2%
    /// of the longest run (the raw losses below 100 steps), the same for all lines, and the title says it.
    /// </summary>
    public static Panel LossCurvesPanel(IReadOnlyList<MethodResult> runs)
    {
        var trained = runs.Where(m => m.LossHistory.Count > 0).ToList();
        int longest = trained.Select(m => m.LossHistory.Count).DefaultIfEmpty(0).Max();
        int window = Math.Max(1, longest / 50);   // 2% of the longest run
        string title = window == 1 ? "Training loss of the fine-tuned models" : $"Training loss of the fine-tuned models (each point: mean of the last {window} steps)";
        return new(title, "fine-tuning step", "train loss (cross-entropy per answer token)",
            Chart.Combine(trained.Select(m =>
                Chart.Line<int, double, string>(m.LossHistory.Select(l => l.Step).ToArray(), TrailingMean(m.LossHistory.Select(l => l.Loss).ToArray(), window), Name: m.Name))));
    }

    /// <summary>Each value replaced by the mean of itself and the values before it, up to <paramref name="window"/> in all.</summary>
    private static double[] TrailingMean(double[] values, int window)
    {
        var means = new double[values.Length];
        double sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            sum += values[i];
            if (i >= window) sum -= values[i - window];
            means[i] = sum / Math.Min(i + 1, window);
        }
        return means;
    }

    public static GenericChart GenerationMetrics(IReadOnlyList<MethodResult> runs) => GenerationMetricsPanel(runs).Alone();
    public static GenericChart EntityF1(IReadOnlyList<MethodResult> runs, TaggerResult? tagger = null) => EntityF1Panel(runs, tagger).Alone();
    public static GenericChart F1PerType(IReadOnlyList<MethodResult> runs, TaggerResult? tagger = null) => F1PerTypePanel(runs, tagger).Alone();
    public static GenericChart LossCurves(IReadOnlyList<MethodResult> runs) => LossCurvesPanel(runs).Alone();

    public static GenericChart GenerationMetrics(ComparisonResult r) => GenerationMetrics(r.Methods);
    public static GenericChart EntityF1(ComparisonResult r) => EntityF1(r.Methods, r.Tagger);
    public static GenericChart F1PerType(ComparisonResult r) => F1PerType(r.Methods, r.Tagger);
    public static GenericChart LossCurves(ComparisonResult r) => LossCurves(r.Methods);

    /// <summary>The report figure's size: four panels of <see cref="ReportHeightPerPanel"/>, one above the other.</summary>
    public const int ReportWidth = 1100, ReportHeightPerPanel = 460, ReportHeight = 4 * ReportHeightPerPanel;

    /// <summary>All four panels in one column on one page.</summary>
    public static GenericChart Report(ComparisonResult r) =>
        Panel.Column([GenerationMetricsPanel(r.Methods), EntityF1Panel(r.Methods, r.Tagger), F1PerTypePanel(r.Methods, r.Tagger), LossCurvesPanel(r.Methods)],
            "LoRA vs P-Tuning v2 vs Freeze vs full: 3-turn NER", ReportWidth, ReportHeightPerPanel);

    /// <summary>All charts in one self-contained HTML page (plotly.js embedded, so it renders offline).</summary>
    public static string ReportHtml(ComparisonResult r) => Html.SelfContained(Report(r));

    public static string WriteReport(ComparisonResult r, string dir)
    {
        string path = Path.Combine(dir, "report.html");
        File.WriteAllText(path, ReportHtml(r));
        return path;
    }
}
