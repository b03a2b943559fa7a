using ChatGlmLab.Charts;
using ChatGlmLab.Experiments;
using ChatGlmLab.Tests.Experiments;

namespace ChatGlmLab.Tests.Charts;

/// <summary>The study charts, like the comparison's, title every panel and name both its axes; scores sit on the 0–100 scale.</summary>
public sealed class StudyChartsTests
{
    [Fact]
    public void QuantizationPanelsAreTitledAndNamed()
    {
        var result = SampleComparison.Create().Methods[1];
        var rows = new[] { "fp32", "int4" }.Select(b => new QuantizationRow { Base = b, WeightBytes = 1 << 20, Result = result }).ToList();
        var figure = ChartFigure.Of(StudyCharts.Quantization(rows));
        figure.AssertEveryPanelNamed(3);
        Assert.Equal(Panel.ScoreRange, figure.YRange(3));
    }

    [Fact]
    public void FormatStudyPanelsAreTitledAndNamed()
    {
        var entities = SampleComparison.Create().Methods[1].GoldHistory;
        var rows = new[] { ("3-turn", "raw"), ("single-pass", "mentions located in the sentence") }
            .Select(x => new FormatStudyRow { Format = x.Item1, Decoding = x.Item2, Entities = entities, QuestionsPerSentence = 1 }).ToList();
        var figure = ChartFigure.Of(StudyCharts.FormatStudy(rows));
        figure.AssertEveryPanelNamed(3);
        Assert.Equal(Panel.ScoreRange, figure.YRange(1));
    }

    [Fact]
    public void MentionsPerTypeIsTitledAndNamed() =>
        ChartFigure.Of(StudyCharts.MentionsPerType([("dev", CorpusStatistics.Of([]))])).AssertNamed();
}
