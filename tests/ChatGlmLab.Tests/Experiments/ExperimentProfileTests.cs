using ChatGlmLab.Experiments;

namespace ChatGlmLab.Tests.Experiments;

/// <summary>The named profiles the notebooks and `compare --profile` share.</summary>
public sealed class ExperimentProfileTests
{
    [Fact]
    public void TinyIsASmallerBudgetThanReducedOnTheSamePipeline()
    {
        var tiny = ExperimentProfile.Options(ExperimentProfile.Tiny, "out");
        var reduced = ExperimentProfile.Options(ExperimentProfile.Reduced, "out");
        Assert.True(tiny.FinetuneSteps * tiny.BatchSize < reduced.FinetuneSteps * reduced.BatchSize);
        Assert.True(tiny.PretrainSteps < reduced.PretrainSteps && tiny.DevSentences < reduced.DevSentences);
        Assert.Equal(reduced.Methods.Select(m => m.Method.Type), tiny.Methods.Select(m => m.Method.Type));
        Assert.Null(tiny.ModelNameOrPath);                         // builds the small model
    }

    [Fact]
    public void ChatGlm6BNeedsTheCheckpointAndUsesAllData()
    {
        Assert.Throws<ArgumentException>(() => ExperimentProfile.Options(ExperimentProfile.ChatGlm6B, "out"));
        var real = ExperimentProfile.Options(ExperimentProfile.ChatGlm6B, "out", "data", "/models/chatglm-6b");
        Assert.Equal("/models/chatglm-6b", real.ModelNameOrPath);
        Assert.Equal(0, real.TrainSentences);
    }

    [Fact]
    public void UnknownProfilesAreNamedWithTheValidOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => ExperimentProfile.Options("huge", "out"));
        Assert.Contains("huge", e.Message);
        Assert.Contains("chatglm-6b", e.Message);
    }
}
