using ChatGlmLab.Experiments;
using ChatGlmLab.Metrics;
using ChatGlmLab.Training;

namespace ChatGlmLab.Tests.Experiments;

/// <summary>A small comparison result made by hand (no model run): two columns and the tagger, for tests of what is printed and drawn.</summary>
public static class SampleComparison
{
    public static ComparisonResult Create(IReadOnlyList<PublishedResult>? published = null)
    {
        var none = EntityScorer.Score([], []);
        var gold = new TypedSpan("name", 0, 2);
        var half = EntityScorer.Score([[gold, new TypedSpan("company", 3, 5)]], [[gold]]);
        MethodResult Column(string name, double rouge, EntityEvaluation entity) => new()
        {
            Name = name, FinetuningType = name == "base" ? "none" : name, Settings = "-", Generation = new GenerationScores(0, rouge / 2, rouge, rouge / 3, rouge),
            GoldHistory = entity, Cascade = entity, CascadeGrounded = entity,
            LossHistory = name == "base" ? [] : [new StepLoss(1, 3.0, 1e-3), new StepLoss(2, 2.0, 1e-3)],
        };
        return new ComparisonResult
        {
            BaseModel = "small", Compute = "fp32", Decoding = "greedy", Machine = "test machine",
            Methods = [Column("base", 1, none), Column("lora", 40, half)],
            TrainSentences = 10748, DevSentences = 1343, FinetuneSteps = 600, BatchSize = 8, Seconds = 1234,
            Tagger = new TaggerResult { Settings = "tiny", Entity = EntityScorer.Score([[gold]], [[gold]]), Epochs = 2.5, TrainSeconds = 60 },
            PublishedResults = published ?? [],
        };
    }
}
