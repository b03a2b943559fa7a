using ChatGlmLab.Experiments;
using ChatGlmLab.Metrics;
using Plotly.NET;
using Plotly.NET.CSharp;
using Chart = Plotly.NET.CSharp.Chart;

namespace ChatGlmLab.Charts;

/// <summary>
/// Charts of the dataset, quantization and format studies. Each study's panels are stacked in one column
/// (<see cref="Panel.Column"/>): side by side, a panel's y-axis name ran into its left neighbour and the format study's
/// long row names into the next panel.
/// </summary>
public static class StudyCharts
{
    private const int Width = 1100, HeightPerPanel = 380;

    /// <summary>Mentions per entity type, one bar series per corpus (e.g. train and dev).</summary>
    public static GenericChart MentionsPerType(IReadOnlyList<(string Corpus, CorpusStatistics Statistics)> corpora)
    {
        var types = corpora.SelectMany(c => c.Statistics.MentionsPerType.Keys).Distinct().ToArray();
        return new Panel("Mentions per entity type", "entity type", "mentions",
            Chart.Combine(corpora.Select(c => Chart.Column<int, string, string>(
                types.Select(t => c.Statistics.MentionsPerType.TryGetValue(t, out int n) ? n : 0).ToArray(), types, Name: c.Corpus)))).Alone();
    }

    public static GenericChart Quantization(IReadOnlyList<QuantizationRow> rows)
    {
        var names = rows.Select(r => r.Base).ToArray();
        const string precision = "precision of the base model's weights";
        Panel[] panels =
        [
            new("Weight memory of the base model", precision, "weights (MiB)",
                Chart.Column<double, string, string>(rows.Select(r => r.WeightBytes / (1024.0 * 1024)).ToArray(), names, Name: "weights (MiB)", ShowLegend: false)),
            new("Decoding speed on dev", precision, "generated tokens / s",
                Chart.Column<double, string, string>(rows.Select(r => r.Result.PredictTokensPerSecond).ToArray(), names, Name: "generated tokens / s", ShowLegend: false)),
            new("Answer quality on dev", precision, "score / F1 (0–100)", Chart.Combine(
            [
                Chart.Column<double, string, string>(rows.Select(r => r.Result.Generation.Bleu4).ToArray(), names, Name: "BLEU-4"),
                Chart.Column<double, string, string>(rows.Select(r => r.Result.Generation.RougeL).ToArray(), names, Name: "ROUGE-L"),
                Chart.Column<double, string, string>(rows.Select(r => r.Result.CascadeGrounded.Micro.F1 * 100).ToArray(), names, Name: "entity F1 (%, cascade, grounded)"),
            ])) { YRange = Panel.ScoreRange },
        ];
        return Panel.Column(panels, "Base precision: weight memory, speed, quality", Width, HeightPerPanel);
    }

    public static GenericChart FormatStudy(IReadOnlyList<FormatStudyRow> rows)
    {
        // Two lines per name ("single-pass" over "mentions located in the sentence"), so the names stay level and apart.
        var names = rows.Select(r => $"{r.Format}<br>{r.Decoding}").ToArray();
        const string format = "answer format, decoding of the answers";
        Panel[] panels =
        [
            new("Entity F1 on dev (strict spans)", format, "F1 (%)",
                Chart.Column<double, string, string>(rows.Select(r => r.Entities.Micro.F1 * 100).ToArray(), names, Name: "entity F1", ShowLegend: false)) { YRange = Panel.ScoreRange },
            new("Generated tokens per sentence", format, "tokens / sentence",
                Chart.Column<double, string, string>(rows.Select(r => r.GeneratedTokensPerSentence).ToArray(), names, Name: "generated tokens / sentence", ShowLegend: false)),
            new("Model calls per sentence", format, "calls / sentence",
                Chart.Column<double, string, string>(rows.Select(r => r.QuestionsPerSentence).ToArray(), names, Name: "model calls / sentence", ShowLegend: false)),
        ];
        return Panel.Column(panels, "3-turn vs single-pass: quality and cost per sentence", Width, HeightPerPanel);
    }
}
