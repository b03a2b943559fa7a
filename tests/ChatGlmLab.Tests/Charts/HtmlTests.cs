using System.Text;
using ChatGlmLab.Charts;
using ChatGlmLab.Tests.Experiments;

namespace ChatGlmLab.Tests.Charts;

/// <summary>A chart page opened from disk shows its non-ASCII text (×, –, entity types) as written.</summary>
public sealed class HtmlTests
{
    [Fact]
    public void ThePageDeclaresUtf8WithinTheBytesABrowserScansForIt()
    {
        string page = ComparisonCharts.ReportHtml(SampleComparison.Create());
        string start = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(page), 0, 1024);
        Assert.Contains("<meta charset=\"utf-8\">", start);
        Assert.Contains("plotly.js", page);   // still the whole page, plotly.js embedded
    }
}
