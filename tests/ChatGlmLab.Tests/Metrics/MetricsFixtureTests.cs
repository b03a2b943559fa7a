using System.Text.Json;
using ChatGlmLab.Metrics;
using ChatGlmLab.Tests.Infrastructure;
using ChatGlmLab.Tests.Tokenization;

namespace ChatGlmLab.Tests.Metrics;

/// <summary>Parity with fixtures/metrics/cases.json (computed by the unmodified Python toolkit).</summary>
public class MetricsFixtureTests
{
    private static readonly JsonElement Fixture = FixtureJson.Load("metrics", "cases.json");

    public static TheoryData<string> CaseNames()
    {
        var names = new TheoryData<string>();
        foreach (JsonElement c in Fixture.GetProperty("cases").EnumerateArray())
            names.Add(c.GetProperty("name").GetString()!);
        return names;
    }

    public static TheoryData<int> ExtraCutIndices()
    {
        var indices = new TheoryData<int>();
        for (int i = 0; i < Fixture.GetProperty("jieba_extra").GetArrayLength(); i++)
            indices.Add(i);
        return indices;
    }

    private static JsonElement Case(string name) =>
        Fixture.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    [Fact]
    public void FixtureHas42Pairs() => Assert.Equal(42, Fixture.GetProperty("cases").GetArrayLength());

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void JiebaCutsMatch(string name)
    {
        JsonElement c = Case(name);
        Assert.Equal(Strings(c.GetProperty("jieba_prediction")), ChineseSegmenter.Shared.Cut(c.GetProperty("prediction").GetString()!));
        Assert.Equal(Strings(c.GetProperty("jieba_reference")), ChineseSegmenter.Shared.Cut(c.GetProperty("reference").GetString()!));
    }

    [Theory]
    [MemberData(nameof(ExtraCutIndices))]
    public void JiebaExtraCutsMatch(int index)
    {
        JsonElement extra = Fixture.GetProperty("jieba_extra")[index];
        Assert.Equal(Strings(extra.GetProperty("cut")), ChineseSegmenter.Shared.Cut(extra.GetProperty("text").GetString()!));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void RawBleuMatches(string name)
    {
        JsonElement c = Case(name);
        double bleu = Bleu4.Score(reference: c.GetProperty("reference").GetString()!, hypothesis: c.GetProperty("prediction").GetString()!);
        Assert.Equal(c.GetProperty("bleu_raw").GetDouble(), bleu);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void RawRougeMatches(string name)
    {
        JsonElement c = Case(name);
        RougeScores rouge = RougeChinese.Score(c.GetProperty("rouge_hypothesis_string").GetString()!, c.GetProperty("rouge_reference_string").GetString()!);
        JsonElement raw = c.GetProperty("rouge_raw");
        if (raw.ValueKind == JsonValueKind.Null)
        {
            Assert.True(c.GetProperty("rouge_skipped_because_empty").GetBoolean());
            Assert.Equal(RougeScores.Zero, rouge);
            return;
        }
        AssertRouge(raw.GetProperty("rouge-1"), rouge.Rouge1);
        AssertRouge(raw.GetProperty("rouge-2"), rouge.Rouge2);
        AssertRouge(raw.GetProperty("rouge-l"), rouge.RougeL);
    }

    private static void AssertRouge(JsonElement expected, RougeScore actual)
    {
        Assert.Equal(expected.GetProperty("f").GetDouble(), actual.F);
        Assert.Equal(expected.GetProperty("p").GetDouble(), actual.P);
        Assert.Equal(expected.GetProperty("r").GetDouble(), actual.R);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void JoinedRougeStringsMatch(string name)
    {
        JsonElement c = Case(name);
        GenerationPairResult pair = GenerationMetrics.ScorePair(c.GetProperty("prediction").GetString()!, c.GetProperty("reference").GetString()!);
        Assert.Equal(c.GetProperty("rouge_hypothesis_string").GetString(), string.Join(' ', pair.PredictionTokens));
        Assert.Equal(c.GetProperty("rouge_reference_string").GetString(), string.Join(' ', pair.LabelTokens));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void RoundedPairScoresMatchExactly(string name)
    {
        JsonElement c = Case(name);
        GenerationScores scores = GenerationMetrics.ScorePair(c.GetProperty("prediction").GetString()!, c.GetProperty("reference").GetString()!).Scores;
        JsonElement expected = c.GetProperty("scores");
        Assert.Equal(expected.GetProperty("bleu-4").GetDouble(), scores.Bleu4);
        Assert.Equal(expected.GetProperty("rouge-1").GetDouble(), scores.Rouge1);
        Assert.Equal(expected.GetProperty("rouge-2").GetDouble(), scores.Rouge2);
        Assert.Equal(expected.GetProperty("rouge-l").GetDouble(), scores.RougeL);
        Assert.Equal(expected.GetProperty("accuracy").GetDouble(), scores.Accuracy);
    }

    [Fact]
    public void CorpusMeansMatch()
    {
        JsonElement[] cases = Fixture.GetProperty("cases").EnumerateArray().ToArray();
        GenerationMetricsResult result = GenerationMetrics.Compute(
            cases.Select(c => c.GetProperty("prediction").GetString()!).ToArray(),
            cases.Select(c => c.GetProperty("reference").GetString()!).ToArray());
        JsonElement expected = Fixture.GetProperty("corpus_means");
        Dictionary<string, double> actual = result.Corpus.ToDictionary();
        Assert.Equal(5, expected.EnumerateObject().Count());
        foreach (JsonProperty metric in expected.EnumerateObject())
            Assert.True(Math.Abs(metric.Value.GetDouble() - actual[metric.Name]) < 1e-9,
                $"{metric.Name}: expected {metric.Value.GetDouble():R}, got {actual[metric.Name]:R}");
    }

    [Fact]
    public void CorpusMeansAreBitExactWithNumpysPairwiseSum()
    {
        JsonElement[] cases = Fixture.GetProperty("cases").EnumerateArray().ToArray();
        GenerationMetricsResult result = GenerationMetrics.Compute(
            cases.Select(c => c.GetProperty("prediction").GetString()!).ToArray(),
            cases.Select(c => c.GetProperty("reference").GetString()!).ToArray());
        Dictionary<string, double> actual = result.Corpus.ToDictionary();
        foreach (JsonProperty metric in Fixture.GetProperty("corpus_means").EnumerateObject())
            Assert.Equal(metric.Value.GetDouble(), actual[metric.Name]);
    }
}

public class GenerationMetricsTests
{
    [Fact]
    public void ScoresSerialiseWithTheToolkitsKeyNames()
    {
        var scores = new GenerationScores(Accuracy: 0.5, Bleu4: 57.3753, Rouge1: 88.8889, Rouge2: 72.7273, RougeL: 76.9231);
        string json = System.Text.Json.JsonSerializer.Serialize(scores);
        Assert.Equal("""{"accuracy":0.5,"bleu-4":57.3753,"rouge-1":88.8889,"rouge-2":72.7273,"rouge-l":76.9231}""", json);
        Assert.Equal(scores, System.Text.Json.JsonSerializer.Deserialize<GenerationScores>(json));
        Assert.Equal(["predict_accuracy", "predict_bleu-4", "predict_rouge-1", "predict_rouge-2", "predict_rouge-l"],
            scores.ToDictionary("predict_").Keys);
    }

    [Fact]
    public void PrefixAccuracyNeedsANonEmptyLabelAtTheStart()
    {
        Assert.Equal(1.0, GenerationMetrics.PrefixAccuracy("导管。", "导管"));
        Assert.Equal(0.0, GenerationMetrics.PrefixAccuracy("", ""));
        Assert.Equal(0.0, GenerationMetrics.PrefixAccuracy("一般 动作", "一般动作"));
        Assert.Equal(1.0, GenerationMetrics.PrefixAccuracy("👍好", "👍"));
    }

    [Fact]
    public void ComputeRejectsListsOfDifferentLengths() =>
        Assert.Throws<ArgumentException>(() => GenerationMetrics.Compute(["a"], []));

    [Fact]
    public void ResultSerialisesToJson()
    {
        GenerationMetricsResult result = GenerationMetrics.Compute(["拆卸导管"], ["拆下导管"]);
        using var json = System.Text.Json.JsonDocument.Parse(System.Text.Json.JsonSerializer.Serialize(result));
        Assert.Equal(35.3553, json.RootElement.GetProperty("corpus").GetProperty("bleu-4").GetDouble());
        Assert.Equal(40.0, json.RootElement.GetProperty("pairs")[0].GetProperty("scores").GetProperty("rouge-1").GetDouble());
    }
}
