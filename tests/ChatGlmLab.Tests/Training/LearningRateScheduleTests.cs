using ChatGlmLab.Training;

namespace ChatGlmLab.Tests.Training;

/// <summary>The schedule values at sample steps, from transformers' lr_lambda formulas worked by hand.</summary>
public sealed class LearningRateScheduleTests
{
    [Theory]
    // linear, warmup 10 of 100: step/10 during warmup, then (100 - step) / 90.
    [InlineData("linear", 10, 100, 0, 0.0)]
    [InlineData("linear", 10, 100, 5, 0.5)]
    [InlineData("linear", 10, 100, 10, 1.0)]
    [InlineData("linear", 10, 100, 55, 0.5)]
    [InlineData("linear", 10, 100, 91, 0.1)]
    [InlineData("linear", 10, 100, 100, 0.0)]
    [InlineData("linear", 10, 100, 120, 0.0)]
    [InlineData("linear", 0, 100, 0, 1.0)]
    [InlineData("linear", 0, 100, 25, 0.75)]
    // cosine, warmup 10 of 110: 0.5·(1 + cos(π·progress)), progress = (step - 10) / 100.
    [InlineData("cosine", 10, 110, 4, 0.4)]
    [InlineData("cosine", 10, 110, 10, 1.0)]
    [InlineData("cosine", 10, 110, 35, 0.85355339059327373)]
    [InlineData("cosine", 10, 110, 60, 0.5)]
    [InlineData("cosine", 10, 110, 85, 0.14644660940672624)]
    [InlineData("cosine", 10, 110, 110, 0.0)]
    // constant ignores warmup; constant_with_warmup ramps step / warmup.
    [InlineData("constant", 10, 100, 0, 1.0)]
    [InlineData("constant", 10, 100, 50, 1.0)]
    [InlineData("constant_with_warmup", 4, 100, 0, 0.0)]
    [InlineData("constant_with_warmup", 4, 100, 3, 0.75)]
    [InlineData("constant_with_warmup", 4, 100, 4, 1.0)]
    [InlineData("constant_with_warmup", 4, 100, 99, 1.0)]
    public void MultiplierMatchesTransformersFormula(string type, int warmup, int total, int step, double expected)
    {
        var schedule = new LearningRateSchedule(type, 2e-4, warmup, total);
        Assert.Equal(expected, schedule.Multiplier(step), 12);
        Assert.Equal(2e-4 * expected, schedule.LearningRateAt(step), 15);
    }

    [Theory]
    [InlineData(0, 0.0, 100, 0)]
    [InlineData(0, 0.06, 100, 6)]
    [InlineData(0, 0.1, 33, 4)]      // ceil(3.3)
    [InlineData(7, 0.5, 100, 7)]     // warmup_steps wins over warmup_ratio
    public void WarmupStepsFollowHfRule(int warmupSteps, double warmupRatio, int total, int expected)
    {
        var args = new TrainingArguments { OutputDir = "x", WarmupSteps = warmupSteps, WarmupRatio = warmupRatio };
        Assert.Equal(expected, args.WarmupStepsFor(total));
    }

    [Fact]
    public void UnknownTypeIsRejected() =>
        Assert.Throws<ArgumentException>(() => new LearningRateSchedule("polynomial", 1e-3, 0, 10));
}
