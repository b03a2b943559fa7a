using Plotly.NET;

namespace ChatGlmLab.Charts;

/// <summary>Chart HTML with plotly.js embedded (Plotly.NET links the CDN by default, which renders blank offline).</summary>
public static class Html
{
    public static GenericChart Offline(GenericChart chart) =>
        GenericChart.setDisplayOptions(DisplayOptions.init(null, null, null, null, null, null, PlotlyJSReference.Full), chart);

    public static string SelfContained(GenericChart chart) => GenericChart.toEmbeddedHTML(Offline(chart));

    /// <summary>Sets the chart title (Plotly.NET's F# withTitle, which C# sees as a curried function).</summary>
    public static GenericChart Titled(this GenericChart chart, string title) => Plotly.NET.Chart.withTitle(title, null).Invoke(chart);
}
