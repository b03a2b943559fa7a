using Plotly.NET;

namespace ChatGlmLab.Charts;

/// <summary>Chart HTML with plotly.js embedded (Plotly.NET links the CDN by default, which renders blank offline).</summary>
public static class Html
{
    public static GenericChart Offline(GenericChart chart) =>
        GenericChart.setDisplayOptions(DisplayOptions.init(null, null, null, null, null, null, PlotlyJSReference.Full), chart);

    /// <summary>
    /// The chart as a whole page. Plotly.NET's page declares no encoding, and a browser opening the file then guesses it
    /// from the text: a page with few non-ASCII characters came out as Windows-1252 ("×" as "Ã—"). The declaration must
    /// come first in the head, within the first 1024 bytes the browser scans — before the 3.6 MB of plotly.js.
    /// </summary>
    public static string SelfContained(GenericChart chart)
    {
        string page = GenericChart.toEmbeddedHTML(Offline(chart));
        int head = page.IndexOf("<head>", StringComparison.Ordinal);
        if (head < 0) throw new InvalidOperationException("Plotly.NET's page has no <head> to declare the encoding in");
        return page.Insert(head + "<head>".Length, "<meta charset=\"utf-8\">");
    }

    /// <summary>Sets the chart title (Plotly.NET's F# withTitle, which C# sees as a curried function).</summary>
    public static GenericChart Titled(this GenericChart chart, string title) => Plotly.NET.Chart.withTitle(title, null).Invoke(chart);
}
