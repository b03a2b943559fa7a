using System.Text.Json;
using ChatGlmLab.Charts;
using ChatGlmLab.Tests.Experiments;

namespace ChatGlmLab.Tests.Charts;

/// <summary>The report page's figure says what each panel shows, and keeps each legend and the colour bar beside their own panel.</summary>
public sealed class ComparisonChartsTests
{
    [Fact]
    public void EveryPanelIsTitledAndLabelledWithItsOwnLegendBesideIt()
    {
        var (data, layout) = Figure(ComparisonCharts.ReportHtml(SampleComparison.Create()));

        var titles = layout.GetProperty("annotations").EnumerateArray().Select(a => a.GetProperty("text").GetString()).ToList();
        Assert.Equal(4, titles.Count);
        Assert.Contains("Entity F1 on dev (strict spans)", titles);
        for (int i = 1; i <= 4; i++)
        {
            string suffix = i == 1 ? "" : i.ToString();
            Assert.False(string.IsNullOrEmpty(layout.GetProperty("xaxis" + suffix).GetProperty("title").GetProperty("text").GetString()), $"x axis {i} has no name");
            Assert.False(string.IsNullOrEmpty(layout.GetProperty("yaxis" + suffix).GetProperty("title").GetProperty("text").GetString()), $"y axis {i} has no name");
        }
        Assert.True(layout.GetProperty("showlegend").GetBoolean());

        // Each panel's traces go to the legend beside that panel; legends and the colour bar sit at different heights, top down.
        var traces = data.EnumerateArray().ToList();
        foreach (var trace in traces)
        {
            string axis = trace.GetProperty("xaxis").GetString()!;   // x, x2, x3, x4
            string panel = axis == "x" ? "" : axis[1..];
            Assert.Equal("legend" + panel, trace.GetProperty("legend").GetString());
        }
        double Y(string legend) => layout.GetProperty(legend).GetProperty("y").GetDouble();
        var heatmap = traces.Single(t => t.GetProperty("type").GetString() == "heatmap");
        var bar = heatmap.GetProperty("colorbar");
        double barTop = bar.GetProperty("y").GetDouble() + bar.GetProperty("len").GetDouble() / 2;
        double barBottom = barTop - bar.GetProperty("len").GetDouble();
        Assert.True(Y("legend") > Y("legend2") && Y("legend2") > barTop && barBottom > Y("legend4"),
            $"legends at {Y("legend")}, {Y("legend2")}, {Y("legend4")}; colour bar {barBottom}–{barTop}");
        Assert.Equal("F1 (%)", bar.GetProperty("title").GetProperty("text").GetString());

        // The tagger is a column of the entity panels, not of the generation metrics (it generates no text).
        Assert.Contains("tagger (BiLSTM-CRF)", traces.Single(t => t.GetProperty("name").GetString() == "cascade, grounded").GetProperty("x").EnumerateArray().Select(x => x.GetString()));
        Assert.DoesNotContain("tagger (BiLSTM-CRF)", traces.Single(t => t.GetProperty("name").GetString() == "BLEU-4").GetProperty("x").EnumerateArray().Select(x => x.GetString()));
    }

    /// <summary>The data and layout Plotly.NET wrote into the page.</summary>
    private static (JsonElement Data, JsonElement Layout) Figure(string html)
    {
        static JsonElement Json(string html, string start, string end)
        {
            int i = html.IndexOf(start, StringComparison.Ordinal) + start.Length;
            return JsonDocument.Parse(html[i..html.IndexOf(end, i, StringComparison.Ordinal)].Trim().TrimEnd(';')).RootElement;
        }
        return (Json(html, "var data = ", "var layout"), Json(html, "var layout = ", "var config"));
    }
}
