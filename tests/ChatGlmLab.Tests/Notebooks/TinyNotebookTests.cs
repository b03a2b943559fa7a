using ChatGlmLab.Charts;
using ChatGlmLab.Notebooks;

namespace ChatGlmLab.Tests.Notebooks;

/// <summary>
/// Every notebook, top to bottom, in the tiny profile, in an in-process .NET Interactive kernel (the notebooks
/// share the cached tiny base model under runs/notebooks). A failure names the notebook, the cell and the message.
/// </summary>
[Collection(NotebookCollection.Name)]
public sealed class TinyNotebookTests
{
    [Theory]
    [MemberData(nameof(Notebooks))]
    [Trait("Category", "Slow")]
    public void NotebookRunsTopToBottomAndEveryChartCellDrawsAChart(string name)
    {
        string path = Path.Combine(NotebookFiles.Folder, name);
        var notebook = NotebookFile.Read(path);
        Assert.True(notebook.Cells.Any(c => c.HasTag(NotebookRunner.ParametersTag)), $"{name}: no cell tagged '{NotebookRunner.ParametersTag}'");
        // The tiny profile whatever the committed default is (notebook 1 has no model, hence no profile).
        string[] tiny = NotebookFiles.TinyProfile(notebook);

        var run = NotebookRunner.Run(path, new NotebookRunOptions { Parameters = tiny });

        Assert.True(run.Succeeded, run.FailureMessage);
        int codeCells = run.Cells.Count(c => c.IsCode && !string.IsNullOrWhiteSpace(c.Source));
        Assert.Equal(codeCells, run.Runs.Count);
        var chartCells = run.Cells.Where(c => c.HasTag("chart")).ToList();
        // A call such as ComparisonCharts.LossCurves(...) or StudyCharts.Quantization(...) (the setup cells only reference the assembly).
        bool drawsCharts = run.Cells.Any(c => c.IsCode && System.Text.RegularExpressions.Regex.IsMatch(c.Source, @"\b[A-Za-z]+Charts\.[A-Za-z]+\("));
        Assert.True(chartCells.Count > 0 || !drawsCharts, $"{name} draws charts but tags no cell 'chart'");
        if (chartCells.Count == 0) return;                                   // e.g. chat and deploy: text only
        foreach (var cell in chartCells)
        {
            var html = run.Runs.Single(r => r.Number == cell.Number).Html.ToList();
            Assert.True(html.Any(NotebookFiles.IsChart), $"{name}, cell {cell.Number}: no chart in its output ({html.Count} HTML outputs)");
        }
        // Offline: plotly.js travels with the notebook's first chart.
        var firstChart = run.Runs.First(r => r.Html.Any(NotebookFiles.IsChart));
        Assert.True(firstChart.Html.Any(NotebookFiles.CarriesPlotlyJs), $"{name}, cell {firstChart.Number}: the first chart does not carry plotly.js");
    }

    public static TheoryData<string> Notebooks() => NotebookFiles.Names();
}
