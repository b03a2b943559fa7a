using ChatGlmLab.Experiments;
using ChatGlmLab.Metrics;
using Plotly.NET;
using Plotly.NET.CSharp;
using Chart = Plotly.NET.CSharp.Chart;

namespace ChatGlmLab.Charts;

/// <summary>
/// The comparison's charts: generation metrics, entity F1, F1 per entity type, loss curves. Each takes the
/// method runs to show (a whole comparison, or the runs of one notebook).
/// </summary>
public static class ComparisonCharts
{
    public static GenericChart GenerationMetrics(IReadOnlyList<MethodResult> runs)
    {
        var names = runs.Select(m => m.Name).ToArray();
        (string Metric, Func<MethodResult, double> Value)[] metrics =
        [
            ("BLEU-4", m => m.Generation.Bleu4), ("ROUGE-1", m => m.Generation.Rouge1),
            ("ROUGE-2", m => m.Generation.Rouge2), ("ROUGE-L", m => m.Generation.RougeL),
        ];
        return Chart.Combine(metrics.Select(x => Chart.Column<double, string, string>(runs.Select(x.Value).ToArray(), names, Name: x.Metric))).Titled("BLEU-4 and ROUGE (×100), gold-history answers on dev");
    }

    public static GenericChart EntityF1(IReadOnlyList<MethodResult> runs)
    {
        var names = runs.Select(m => m.Name).ToArray();
        (string Label, Func<MethodResult, double> Value)[] series =
        [
            ("gold history", m => m.GoldHistory.Micro.F1 * 100), ("cascade", m => m.Cascade.Micro.F1 * 100),
            ("cascade, grounded", m => m.CascadeGrounded.Micro.F1 * 100),
        ];
        return Chart.Combine(series.Select(x => Chart.Column<double, string, string>(runs.Select(x.Value).ToArray(), names, Name: x.Label))).Titled("Entity F1 (strict spans, ×100)");
    }

    /// <summary>F1 per entity type (rows) and run (columns), from the grounded cascade.</summary>
    public static GenericChart F1PerType(IReadOnlyList<MethodResult> runs)
    {
        var types = runs.SelectMany(m => m.CascadeGrounded.PerType.Keys).Concat(runs.SelectMany(m => m.GoldHistory.PerType.Keys))
            .Distinct().OrderBy(t => t, StringComparer.Ordinal).ToArray();
        var z = types.Select(t => runs.Select(m => m.CascadeGrounded.PerType.TryGetValue(t, out var s) ? s.F1 * 100 : 0).ToArray()).ToArray();
        return Chart.Heatmap<double, string, string, string>(z, X: runs.Select(m => m.Name).ToArray(), Y: types, Name: "F1").Titled("Entity F1 per type (cascade, grounded)");
    }

    public static GenericChart LossCurves(IReadOnlyList<MethodResult> runs) =>
        Chart.Combine(runs.Where(m => m.LossHistory.Count > 0).Select(m =>
                Chart.Line<int, double, string>(m.LossHistory.Select(l => l.Step).ToArray(), m.LossHistory.Select(l => l.Loss).ToArray(), Name: m.Name))).Titled("Training loss");

    public static GenericChart GenerationMetrics(ComparisonResult r) => GenerationMetrics(r.Methods);
    public static GenericChart EntityF1(ComparisonResult r) => EntityF1(r.Methods);
    public static GenericChart F1PerType(ComparisonResult r) => F1PerType(r.Methods);
    public static GenericChart LossCurves(ComparisonResult r) => LossCurves(r.Methods);

    /// <summary>All charts in one self-contained HTML page (plotly.js embedded, so it renders offline).</summary>
    public static string ReportHtml(ComparisonResult r)
    {
        var grid = Chart.Grid([GenerationMetrics(r), EntityF1(r), F1PerType(r), LossCurves(r)], 4, 1)
            .WithSize(1000, 1800).Titled("LoRA vs P-Tuning v2 vs Freeze vs full: 3-turn NER");
        return Html.SelfContained(grid);
    }

    public static string WriteReport(ComparisonResult r, string dir)
    {
        string path = Path.Combine(dir, "report.html");
        File.WriteAllText(path, ReportHtml(r));
        return path;
    }
}
