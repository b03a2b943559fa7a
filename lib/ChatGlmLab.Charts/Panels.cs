using Plotly.NET;
using Plotly.NET.CSharp;
using Chart = Plotly.NET.CSharp.Chart;

namespace ChatGlmLab.Charts;

/// <summary>A chart with what it shows: its title, and the names (with units) of its axes.</summary>
public sealed record Panel(string Title, string XAxis, string YAxis, GenericChart Figure)
{
    /// <summary>
    /// The scale of every score the kit reports (BLEU and ROUGE ×100 as the toolkit prints them, F1 in %): panels of the
    /// same metric then compare at a glance, and an empty panel still reads as "0 of 100".
    /// </summary>
    public static readonly (double Min, double Max) ScoreRange = (0, 100);

    /// <summary>Size of a panel shown alone (a notebook cell): Plotly's default 600 × 600 leaves the plot narrow once the legend is beside it.</summary>
    public const int AloneWidth = 900, AloneHeight = 520;

    /// <summary>The y axis fixed to this range (e.g. <see cref="ScoreRange"/>).</summary>
    public (double Min, double Max)? YRange { get; init; }

    /// <summary>The panel as a chart of its own: titled, both axes named.</summary>
    public GenericChart Alone() => Labelled(Figure).WithSize(AloneWidth, AloneHeight).Titled(Title);

    private GenericChart Labelled(GenericChart chart)
    {
        chart = chart.WithXAxisStyle<double, double, string>(TitleText: XAxis);
        return YRange is var (min, max)
            ? chart.WithYAxisStyle<double, double, string>(TitleText: YAxis, MinMax: Tuple.Create(min, max))
            : chart.WithYAxisStyle<double, double, string>(TitleText: YAxis);
    }

    /// <summary>
    /// Panels stacked in one column, each with its title above it, its axes named, and its own legend (or colour bar) to
    /// the right of its own row — one shared legend would mix the panels' series and sit over a colour bar.
    /// </summary>
    public static GenericChart Column(IReadOnlyList<Panel> panels, string title, int width, int heightPerPanel)
    {
        const double gap = 0.3;   // of a row's height: room for the next panel's title and this one's x-axis name
        int n = panels.Count;
        // Plotly draws subplot titles smaller than axis names; a panel's title is what a reader looks for first.
        var titleFont = Font.init(null, 16.0, null);
        var grid = Chart.Grid(panels.Select(p => p.Labelled(p.Figure)), n, 1, SubPlotTitles: panels.Select(p => p.Title).ToArray(), SubPlotTitleFont: titleFont, YGap: gap)
            .WithSize(width, heightPerPanel * n).Titled(title);
        var layout = GenericChart.getLayout(grid);
        layout.SetProperty("showlegend", true);   // with several legends plotly.js otherwise leaves the first one out
        var traces = GenericChart.getTraces(grid).ToList();
        int first = 0;
        for (int i = 0; i < n; i++)
        {
            // Row i's place on the page, top down, as plotly.js lays out a grid: rows of height (1 - gap) / (n - gap), gap between.
            double top = 1 - i / (n - gap), height = (1 - gap) / (n - gap);
            int count = GenericChart.getTraces(panels[i].Figure).Length;
            string legend = i == 0 ? "legend" : $"legend{i + 1}";
            foreach (var trace in traces.Skip(first).Take(count))
            {
                trace.SetProperty("legend", legend);
                if (trace.TryGetPropertyValue("colorbar") is { } colorBar && colorBar.Value is IDictionary<string, object> bar)
                {
                    bar["y"] = top - height / 2;
                    bar["len"] = height;
                    bar["yanchor"] = "middle";
                }
            }
            first += count;
            layout.SetProperty(legend, new Dictionary<string, object> { ["x"] = 1.02, ["xanchor"] = "left", ["y"] = top, ["yanchor"] = "top" });
        }
        return grid;
    }
}
