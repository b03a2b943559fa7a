using Plotly.NET;

namespace ChatGlmLab.Charts;

/// <summary>
/// Chart output for notebooks that renders offline: plotly.js (embedded in Plotly.NET) is inlined into the
/// first chart a process shows, later charts only draw (they wait for plotly.js if their output is rendered
/// before the first one's). VS Code, Jupyter and nbconvert render a notebook's outputs in one page, so one
/// copy serves all charts; Plotly.NET's own notebook output (the Plotly.NET.Interactive extension's formatter) loads
/// plotly.js from a CDN whatever the chart's display options say, and stays blank offline (environment.md).
/// Register it once per kernel: <c>Formatter.Register&lt;GenericChart&gt;(NotebookHtml.Fragment, "text/html")</c>.
/// </summary>
public static class NotebookHtml
{
    private static readonly Lazy<string> PlotlyJs = new(ReadPlotlyJs);
    private static int _shown;

    /// <summary>The HTML of one chart (with plotly.js inlined when it is the first chart of this process).</summary>
    public static string Fragment(GenericChart chart)
    {
        string draw = GenericChart.toChartHTML(chart);
        bool first = Interlocked.Exchange(ref _shown, 1) == 0;
        // toChartHTML ends with an immediate call of its render function; defer it until plotly.js is there.
        int call = draw.LastIndexOf("renderPlotly_", StringComparison.Ordinal);
        int end = draw.IndexOf("();", call, StringComparison.Ordinal);
        if (call > 0 && end > call)
        {
            string function = draw[call..end];
            draw = draw[..call] + $"(function w(){{ if (window.Plotly) {function}(); else setTimeout(w, 50); }})();" + draw[(end + 3)..];
        }
        return first ? $"<script type=\"text/javascript\">{PlotlyJs.Value}</script>\n{draw}" : draw;
    }

    /// <summary>Makes the next chart inline plotly.js again (e.g. for a new notebook run in the same process).</summary>
    public static void Reset() => Interlocked.Exchange(ref _shown, 0);

    private static string ReadPlotlyJs()
    {
        var assembly = typeof(GenericChart).Assembly;
        string name = assembly.GetManifestResourceNames().Single(n => n.StartsWith("Plotly.NET.plotly-", StringComparison.Ordinal) && n.EndsWith(".min.js", StringComparison.Ordinal));
        using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
        // A literal "</script>" inside the library would end the script element early.
        return reader.ReadToEnd().Replace("</script>", "<\\/script>", StringComparison.Ordinal);
    }
}
