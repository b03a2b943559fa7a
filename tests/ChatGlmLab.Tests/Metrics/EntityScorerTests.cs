using System.Text.Json;
using ChatGlmLab.Metrics;

namespace ChatGlmLab.Tests.Metrics;

public class EntityScorerTests
{
    private static TypedSpan S(string type, int start, int end) => new(type, start, end);

    private static EntityEvaluation Score(params (TypedSpan[] Gold, TypedSpan[] Predicted)[] sentences) =>
        EntityScorer.Score(sentences.Select(s => (IEnumerable<TypedSpan>)s.Gold).ToList(), sentences.Select(s => (IEnumerable<TypedSpan>)s.Predicted).ToList());

    [Fact]
    public void PerfectPredictionsScoreOne()
    {
        EntityEvaluation result = Score(
            ([S("name", 0, 3), S("address", 5, 9)], [S("address", 5, 9), S("name", 0, 3)]),
            ([S("name", 2, 4)], [S("name", 2, 4)]));
        Assert.Equal(new PrecisionRecallF1(3, 0, 0), result.Micro);
        Assert.Equal(1.0, result.Micro.Precision);
        Assert.Equal(1.0, result.Micro.Recall);
        Assert.Equal(1.0, result.Micro.F1);
        Assert.Equal(2, result.Sentences);
        Assert.Equal(["address", "name"], result.PerType.Keys);
        Assert.Equal(new PrecisionRecallF1(2, 0, 0), result.PerType["name"]);
    }

    [Fact]
    public void PartialPredictionsCountMissesAndFalseAlarms()
    {
        // Sentence 1: 2 of 3 gold found, plus one spurious span. Sentence 2: one found.
        EntityEvaluation result = Score(
            ([S("name", 0, 3), S("company", 4, 8), S("address", 10, 12)], [S("name", 0, 3), S("company", 4, 8), S("game", 13, 15)]),
            ([S("name", 1, 2)], [S("name", 1, 2)]));
        Assert.Equal(new PrecisionRecallF1(3, 1, 1), result.Micro);
        Assert.Equal(0.75, result.Micro.Precision);
        Assert.Equal(0.75, result.Micro.Recall);
        Assert.Equal(0.75, result.Micro.F1, 12);
        Assert.Equal(new PrecisionRecallF1(0, 0, 1), result.PerType["address"]);
        Assert.Equal(0.0, result.PerType["address"].Recall);
        Assert.Equal(new PrecisionRecallF1(0, 1, 0), result.PerType["game"]);
        Assert.Equal(0.0, result.PerType["game"].Precision);
        Assert.Equal(new PrecisionRecallF1(2, 0, 0), result.PerType["name"]);
    }

    [Fact]
    public void UnevenPrecisionAndRecallGiveTheHarmonicMean()
    {
        // 1 TP, 3 FP, 0 FN: P = 0.25, R = 1, F1 = 0.4.
        EntityEvaluation result = Score(([S("name", 0, 2)], [S("name", 0, 2), S("name", 3, 4), S("name", 5, 6), S("name", 7, 8)]));
        Assert.Equal(0.25, result.Micro.Precision);
        Assert.Equal(1.0, result.Micro.Recall);
        Assert.Equal(0.4, result.Micro.F1, 12);
    }

    [Fact]
    public void EmptyGoldMakesEveryPredictionAFalsePositive()
    {
        EntityEvaluation result = Score(([], [S("name", 0, 2), S("book", 3, 5)]));
        Assert.Equal(new PrecisionRecallF1(0, 2, 0), result.Micro);
        Assert.Equal(0.0, result.Micro.Precision);
        Assert.Equal(0.0, result.Micro.Recall);
        Assert.Equal(0.0, result.Micro.F1);
    }

    [Fact]
    public void EmptyPredictionsMakeEveryGoldSpanAMiss()
    {
        EntityEvaluation result = Score(([S("name", 0, 2)], []), ([S("scene", 1, 4)], []));
        Assert.Equal(new PrecisionRecallF1(0, 0, 2), result.Micro);
        Assert.Equal(0.0, result.Micro.F1);
        Assert.Equal(2, result.PerType.Count);
    }

    [Fact]
    public void NothingToFindAndNothingFoundScoresZeroNotNaN()
    {
        EntityEvaluation result = Score(([], []), ([], []));
        Assert.Equal(PrecisionRecallF1.Zero, result.Micro);
        Assert.Equal(0.0, result.Micro.Precision);
        Assert.Equal(0.0, result.Micro.F1);
        Assert.Empty(result.PerType);
        Assert.Equal(2, result.Sentences);
    }

    [Fact]
    public void WrongTypeIsAFalsePositiveForOneTypeAndAMissForTheOther()
    {
        EntityEvaluation result = Score(([S("organization", 0, 4)], [S("company", 0, 4)]));
        Assert.Equal(new PrecisionRecallF1(0, 1, 1), result.Micro);
        Assert.Equal(new PrecisionRecallF1(0, 1, 0), result.PerType["company"]);
        Assert.Equal(new PrecisionRecallF1(0, 0, 1), result.PerType["organization"]);
    }

    [Fact]
    public void WrongOffsetsDoNotMatchEvenWhenOverlapping()
    {
        EntityEvaluation result = Score(([S("name", 0, 3)], [S("name", 0, 2)]), ([S("name", 5, 8)], [S("name", 5, 9)]), ([S("name", 1, 3)], [S("name", 0, 3)]));
        Assert.Equal(new PrecisionRecallF1(0, 3, 3), result.Micro);
    }

    [Fact]
    public void SameSpanInDifferentSentencesIsScoredPerSentence()
    {
        // Gold in sentence 1, the identical span predicted for sentence 2: no credit.
        EntityEvaluation result = Score(([S("name", 0, 2)], []), ([], [S("name", 0, 2)]));
        Assert.Equal(new PrecisionRecallF1(0, 1, 1), result.Micro);
    }

    [Fact]
    public void DuplicatesCountOnceAndAreReported()
    {
        EntityEvaluation result = Score(([S("name", 0, 2), S("name", 0, 2)], [S("name", 0, 2), S("name", 0, 2), S("name", 0, 2), S("book", 4, 6), S("book", 4, 6)]));
        Assert.Equal(new PrecisionRecallF1(1, 1, 0), result.Micro);
        Assert.Equal(1, result.DuplicateGoldIgnored);
        Assert.Equal(3, result.DuplicatePredictionsIgnored);
    }

    [Fact]
    public void AnswerQualityCountersAreReportedAlongside()
    {
        var scorer = new EntityScorer();
        scorer.Add([S("name", 0, 2)], []); // the caller could not parse this answer
        scorer.AddUnparsableAnswers();
        scorer.Add([S("name", 0, 2)], [S("name", 0, 2)]);
        scorer.AddMisalignedPositions(2);
        EntityEvaluation result = scorer.Result();
        Assert.Equal(1, result.UnparsableAnswers);
        Assert.Equal(2, result.MisalignedPositions);
        Assert.Equal(new PrecisionRecallF1(1, 0, 1), result.Micro);
        Assert.Throws<ArgumentOutOfRangeException>(() => scorer.AddUnparsableAnswers(-1));
    }

    [Fact]
    public void ScoreRejectsListsOfDifferentLengths() =>
        Assert.Throws<ArgumentException>(() => EntityScorer.Score([[]], []));

    [Fact]
    public void MalformedSpansAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TypedSpan("name", -1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TypedSpan("name", 3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TypedSpan("name", 4, 3));
        Assert.Throws<ArgumentException>(() => new TypedSpan("", 0, 1));
        Assert.Equal(2, new TypedSpan("name", 3, 5).Length);
    }

    [Fact]
    public void ResultSerialisesToJson()
    {
        EntityEvaluation result = Score(([S("name", 0, 2)], [S("name", 0, 2), S("book", 3, 4)]));
        using JsonDocument json = JsonDocument.Parse(JsonSerializer.Serialize(result));
        JsonElement micro = json.RootElement.GetProperty("micro");
        Assert.Equal(1, micro.GetProperty("true_positives").GetInt32());
        Assert.Equal(1, micro.GetProperty("false_positives").GetInt32());
        Assert.Equal(0.5, micro.GetProperty("precision").GetDouble());
        Assert.Equal(1.0, json.RootElement.GetProperty("per_type").GetProperty("name").GetProperty("f1").GetDouble());
        Assert.Equal(0, json.RootElement.GetProperty("unparsable_answers").GetInt32());
    }

    [Fact]
    public void SpansRoundTripThroughJson()
    {
        var span = new TypedSpan("name", 1, 4);
        string text = JsonSerializer.Serialize(span);
        Assert.Equal("""{"type":"name","start":1,"end":4}""", text);
        Assert.Equal(span, JsonSerializer.Deserialize<TypedSpan>(text));
    }
}
