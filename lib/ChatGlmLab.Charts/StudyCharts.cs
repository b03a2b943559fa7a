using ChatGlmLab.Experiments;
using ChatGlmLab.Metrics;
using Plotly.NET;
using Plotly.NET.CSharp;
using Chart = Plotly.NET.CSharp.Chart;

namespace ChatGlmLab.Charts;

/// <summary>Charts of the dataset, quantization and format studies.</summary>
public static class StudyCharts
{
    /// <summary>Mentions per entity type, one bar series per corpus (e.g. train and dev).</summary>
    public static GenericChart MentionsPerType(IReadOnlyList<(string Corpus, CorpusStatistics Statistics)> corpora)
    {
        var types = corpora.SelectMany(c => c.Statistics.MentionsPerType.Keys).Distinct().ToArray();
        return Chart.Combine(corpora.Select(c => Chart.Column<int, string, string>(
            types.Select(t => c.Statistics.MentionsPerType.TryGetValue(t, out int n) ? n : 0).ToArray(), types, Name: c.Corpus)))
            .WithXAxisStyle<double, double, string>(TitleText: "entity type").WithYAxisStyle<double, double, string>(TitleText: "mentions").Titled("Mentions per entity type");
    }

    public static GenericChart Quantization(IReadOnlyList<QuantizationRow> rows)
    {
        var names = rows.Select(r => r.Base).ToArray();
        var memory = Chart.Column<double, string, string>(rows.Select(r => r.WeightBytes / (1024.0 * 1024)).ToArray(), names, Name: "weights (MiB)", ShowLegend: false)
            .WithYAxisStyle<double, double, string>(TitleText: "weights (MiB)");
        var speed = Chart.Column<double, string, string>(rows.Select(r => r.Result.PredictTokensPerSecond).ToArray(), names, Name: "generated tokens/s", ShowLegend: false)
            .WithYAxisStyle<double, double, string>(TitleText: "generated tokens / s");
        var quality = Chart.Combine(
        [
            Chart.Column<double, string, string>(rows.Select(r => r.Result.Generation.Bleu4).ToArray(), names, Name: "BLEU-4"),
            Chart.Column<double, string, string>(rows.Select(r => r.Result.Generation.RougeL).ToArray(), names, Name: "ROUGE-L"),
            Chart.Column<double, string, string>(rows.Select(r => r.Result.CascadeGrounded.Micro.F1 * 100).ToArray(), names, Name: "entity F1 (cascade, grounded)"),
        ]).WithYAxisStyle<double, double, string>(TitleText: "score (×100) / F1 (%)");
        return Chart.Grid([memory, speed, quality], 1, 3, SubPlotTitles: new[] { "Weight memory", "Decoding speed", "Answer quality on dev" })
            .WithSize(1100, 420).Titled("Base precision: weight memory, speed, quality");
    }

    public static GenericChart FormatStudy(IReadOnlyList<FormatStudyRow> rows)
    {
        var names = rows.Select(r => $"{r.Format}, {r.Decoding}").ToArray();
        var f1 = Chart.Column<double, string, string>(rows.Select(r => r.Entities.Micro.F1 * 100).ToArray(), names, Name: "entity F1", ShowLegend: false)
            .WithYAxisStyle<double, double, string>(TitleText: "F1 (%)");
        var tokens = Chart.Column<double, string, string>(rows.Select(r => r.GeneratedTokensPerSentence).ToArray(), names, Name: "generated tokens / sentence", ShowLegend: false)
            .WithYAxisStyle<double, double, string>(TitleText: "tokens / sentence");
        var calls = Chart.Column<double, string, string>(rows.Select(r => r.QuestionsPerSentence).ToArray(), names, Name: "model calls / sentence", ShowLegend: false)
            .WithYAxisStyle<double, double, string>(TitleText: "calls / sentence");
        return Chart.Grid([f1, tokens, calls], 1, 3, SubPlotTitles: new[] { "Entity F1 on dev", "Generated tokens per sentence", "Model calls per sentence" })
            .WithSize(1100, 420).Titled("3-turn vs single-pass: quality and cost per sentence");
    }
}
