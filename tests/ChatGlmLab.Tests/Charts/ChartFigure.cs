using System.Text.Json;
using Plotly.NET;

namespace ChatGlmLab.Tests.Charts;

/// <summary>The data and layout Plotly.NET wrote into a chart's HTML: what plotly.js is asked to draw.</summary>
public sealed record ChartFigure(JsonElement Data, JsonElement Layout)
{
    public static ChartFigure Of(GenericChart chart) => Parse(GenericChart.toChartHTML(chart));

    public static ChartFigure Parse(string html)
    {
        static JsonElement Json(string html, string start, string end)
        {
            int i = html.IndexOf(start, StringComparison.Ordinal) + start.Length;
            return JsonDocument.Parse(html[i..html.IndexOf(end, i, StringComparison.Ordinal)].Trim().TrimEnd(';')).RootElement;
        }
        return new ChartFigure(Json(html, "var data = ", "var layout"), Json(html, "var layout = ", "var config"));
    }

    public IReadOnlyList<JsonElement> Traces => Data.EnumerateArray().ToList();

    /// <summary>The chart's own title (a panel shown alone).</summary>
    public string? Title => Layout.TryGetProperty("title", out var title) ? title.GetProperty("text").GetString() : null;

    /// <summary>The subplot titles of a grid, top down (Plotly.NET writes them as annotations).</summary>
    public IReadOnlyList<string?> PanelTitles =>
        Layout.TryGetProperty("annotations", out var annotations) ? annotations.EnumerateArray().Select(a => a.GetProperty("text").GetString()).ToList() : [];

    /// <summary>The name of axis "x", "y", "x2", ... of panel <paramref name="panel"/> (1 = the first).</summary>
    public string? AxisName(char axis, int panel = 1) =>
        Layout.TryGetProperty(panel == 1 ? $"{axis}axis" : $"{axis}axis{panel}", out var a) && a.TryGetProperty("title", out var title)
            ? title.GetProperty("text").GetString()
            : null;

    /// <summary>The fixed range of a panel's y axis, or null when plotly.js scales it to the data.</summary>
    public (double Min, double Max)? YRange(int panel = 1) =>
        Layout.GetProperty(panel == 1 ? "yaxis" : $"yaxis{panel}").TryGetProperty("range", out var range)
            ? (range[0].GetDouble(), range[1].GetDouble())
            : null;

    /// <summary>Each of the grid's panels has a title and both axes named.</summary>
    public void AssertEveryPanelNamed(int panels)
    {
        Assert.Equal(panels, PanelTitles.Count);
        for (int i = 1; i <= panels; i++)
        {
            Assert.False(string.IsNullOrWhiteSpace(PanelTitles[i - 1]), $"panel {i} has no title");
            Assert.False(string.IsNullOrWhiteSpace(AxisName('x', i)), $"panel {i} ({PanelTitles[i - 1]}): x axis has no name");
            Assert.False(string.IsNullOrWhiteSpace(AxisName('y', i)), $"panel {i} ({PanelTitles[i - 1]}): y axis has no name");
        }
    }

    /// <summary>A panel shown alone has a title and both axes named.</summary>
    public void AssertNamed()
    {
        Assert.False(string.IsNullOrWhiteSpace(Title), "the chart has no title");
        Assert.False(string.IsNullOrWhiteSpace(AxisName('x')), $"{Title}: x axis has no name");
        Assert.False(string.IsNullOrWhiteSpace(AxisName('y')), $"{Title}: y axis has no name");
    }
}
