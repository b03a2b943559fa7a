using System.Text.Json;
using ChatGlmLab.Charts;
using ChatGlmLab.Experiments;
using ChatGlmLab.Tests.Experiments;
using ChatGlmLab.Training;

namespace ChatGlmLab.Tests.Charts;

/// <summary>The comparison's charts say what each panel shows, and keep each legend and the colour bar beside their own panel.</summary>
public sealed class ComparisonChartsTests
{
    [Fact]
    public void EveryPanelIsTitledAndBothItsAxesNamed()
    {
        var r = SampleComparison.Create();
        var report = ChartFigure.Parse(ComparisonCharts.ReportHtml(r));
        report.AssertEveryPanelNamed(4);
        Assert.Contains("Entity F1 on dev (strict spans)", report.PanelTitles);
        foreach (var alone in new[] { ComparisonCharts.GenerationMetrics(r), ComparisonCharts.EntityF1(r), ComparisonCharts.F1PerType(r), ComparisonCharts.LossCurves(r) })
            ChartFigure.Of(alone).AssertNamed();
        // Scores on one scale: BLEU/ROUGE ×100 and F1 in %, both fixed to 0–100, the heatmap's colours too.
        Assert.Equal(Panel.ScoreRange, report.YRange(1));
        Assert.Equal(Panel.ScoreRange, report.YRange(2));
        var heatmap = report.Traces.Single(t => t.GetProperty("type").GetString() == "heatmap");
        Assert.Equal(Panel.ScoreRange, (heatmap.GetProperty("zmin").GetDouble(), heatmap.GetProperty("zmax").GetDouble()));
    }

    [Fact]
    public void EachPanelsLegendAndTheColourBarSitBesideTheirOwnRowWithoutOverlapping()
    {
        var report = ChartFigure.Parse(ComparisonCharts.ReportHtml(SampleComparison.Create()));
        var layout = report.Layout;
        Assert.True(layout.GetProperty("showlegend").GetBoolean());

        // Each panel's traces go to the legend beside that panel.
        foreach (var trace in report.Traces)
        {
            string axis = trace.GetProperty("xaxis").GetString()!;   // x, x2, x3, x4
            Assert.Equal("legend" + (axis == "x" ? "" : axis[1..]), trace.GetProperty("legend").GetString());
        }

        // Legends and the colour bar share the column right of the plots, so their heights on the page must not meet.
        // A legend hangs down from its y by one line per entry (plotly.js draws ~20 px at the default font; 24 counted).
        double plotHeight = layout.GetProperty("height").GetDouble() - 180;   // plotly.js's default top and bottom margins, and then some
        var spans = new List<(string What, double Bottom, double Top)>();
        foreach (var legend in new[] { "legend", "legend2", "legend4" })
        {
            int entries = report.Traces.Count(t => t.GetProperty("legend").GetString() == legend && ShowsInLegend(t));
            double top = layout.GetProperty(legend).GetProperty("y").GetDouble();
            Assert.Equal("top", layout.GetProperty(legend).GetProperty("yanchor").GetString());
            spans.Add((legend, top - entries * 24 / plotHeight, top));
        }
        var bar = report.Traces.Single(t => t.GetProperty("type").GetString() == "heatmap").GetProperty("colorbar");
        double middle = bar.GetProperty("y").GetDouble(), length = bar.GetProperty("len").GetDouble();
        spans.Add(("colour bar", middle - length / 2, middle + length / 2));
        Assert.Equal("F1 (%)", bar.GetProperty("title").GetProperty("text").GetString());
        var ordered = spans.OrderByDescending(s => s.Top).ToList();
        for (int i = 1; i < ordered.Count; i++)
            Assert.True(ordered[i].Top < ordered[i - 1].Bottom, $"{ordered[i - 1].What} ({ordered[i - 1].Bottom:F3}–{ordered[i - 1].Top:F3}) meets {ordered[i].What} ({ordered[i].Bottom:F3}–{ordered[i].Top:F3})");
        Assert.Equal(["legend", "legend2", "colour bar", "legend4"], ordered.Select(s => s.What));   // in the panels' order, top down
    }

    [Fact]
    public void TheTaggerIsAColumnOfTheEntityPanelsOnly()
    {
        var traces = ChartFigure.Parse(ComparisonCharts.ReportHtml(SampleComparison.Create())).Traces;
        // The tagger generates no text: no BLEU/ROUGE column.
        Assert.Contains("tagger (BiLSTM-CRF)", Names(traces.Single(t => t.GetProperty("name").GetString() == "cascade, grounded"), "x"));
        Assert.DoesNotContain("tagger (BiLSTM-CRF)", Names(traces.Single(t => t.GetProperty("name").GetString() == "BLEU-4"), "x"));
        Assert.Contains("tagger (BiLSTM-CRF)", Names(traces.Single(t => t.GetProperty("type").GetString() == "heatmap"), "x"));
    }

    [Fact]
    public void LongLossCurvesShowTrailingMeansAndTheTitleSaysOverHowManySteps()
    {
        var r = SampleComparison.Create();
        // 200 steps alternating 1 and 3: a window of 200 / 50 = 4 steps averages every point after the first three to 2.
        var run = r.Methods[1] with { LossHistory = [.. Enumerable.Range(1, 200).Select(s => new StepLoss(s, s % 2 == 0 ? 3 : 1, 1e-3))] };
        var figure = ChartFigure.Of(ComparisonCharts.LossCurves([r.Methods[0], run]));

        Assert.Contains("mean of the last 4 steps", figure.Title);
        var y = figure.Traces.Single().GetProperty("y").EnumerateArray().Select(v => v.GetDouble()).ToList();
        Assert.Equal([1.0, 2.0, 5.0 / 3], y.Take(3));
        Assert.All(y.Skip(3), v => Assert.Equal(2.0, v, 1e-12));
        // Short runs (the tiny profile's 24 steps) are drawn as they are.
        Assert.DoesNotContain("mean", ChartFigure.Of(ComparisonCharts.LossCurves(r.Methods)).Title);
    }

    private static bool ShowsInLegend(JsonElement trace) => !trace.TryGetProperty("showlegend", out var show) || show.GetBoolean();

    private static IEnumerable<string?> Names(JsonElement trace, string axis) => trace.GetProperty(axis).EnumerateArray().Select(x => x.GetString());
}
