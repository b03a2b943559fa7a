using ChatGlmLab.Training;

namespace ChatGlmLab.Tests.Training;

/// <summary>Formats of the log and console outputs, and the fp16 loss scaler's rules.</summary>
public sealed class TrainingOutputsTests
{
    [Theory]
    [InlineData(0, "0:00:00")]
    [InlineData(65.9, "0:01:05")]          // int() truncates
    [InlineData(3600 * 13 + 7, "13:00:07")]
    [InlineData(86400 + 3661, "1 day, 1:01:01")]
    [InlineData(2 * 86400, "2 days, 0:00:00")]
    public void TimesAreWrittenLikePythonTimedelta(double seconds, string expected) =>
        Assert.Equal(expected, PythonTimedelta.Format(seconds));

    [Fact]
    public void SmoothingIsTheToolkitsEma()
    {
        double[] values = [4, 2, 3];
        double w = 1.8 * (1 / (1 + Math.Exp(-0.05 * 3)) - 0.5);
        double s1 = 4 * w + (1 - w) * 4, s2 = s1 * w + (1 - w) * 2, s3 = s2 * w + (1 - w) * 3;
        var smoothed = LossPlot.Smooth(values);
        Assert.Equal([s1, s2, s3], smoothed);
        Assert.Equal(4.0, smoothed[0], 12);
        Assert.InRange(smoothed[2], 2, 4);
    }

    [Fact]
    public void LossPlotIsSelfContainedSvg()
    {
        var state = new TrainerState();
        for (int i = 1; i <= 5; i++) state.LogHistory.Add(new() { ["step"] = i, ["loss"] = 5 - i * 0.5, ["epoch"] = i / 5.0 });
        state.LogHistory.Add(new() { ["step"] = 5, ["eval_loss"] = 2.0 });
        using var dir = new TempDir();
        var written = LossPlot.Write(dir.Path, state, "loss", "eval_loss", "eval_rouge");
        Assert.Equal(["training_loss.html", "training_eval_loss.html"], written.Select(Path.GetFileName));
        string html = File.ReadAllText(written[0]);
        Assert.Contains("<svg", html);
        Assert.Contains("id=\"smoothed\"", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", ""));
    }

    [Fact]
    public void ProgressLineShowsStepsLossRateAndEta()
    {
        var bar = new ConsoleProgressBar(100, 0, disabled: true);
        Assert.False(bar.Enabled);
        string line = bar.Line(25, 1.23456, 5e-5, elapsedSeconds: 10);
        Assert.Contains("25%", line);
        Assert.Contains("25/100", line);
        Assert.Contains("loss=1.2346", line);
        Assert.Contains("lr=5e-5", line);
        Assert.Contains("2.50 it/s", line);
        Assert.Contains("0:00:10<0:00:30", line);
    }

    [Fact]
    public void LossScalerHalvesOnOverflowAndGrowsAfterCleanSteps()
    {
        var scaler = new DynamicLossScaler(initialScale: 1024, growthInterval: 3);
        Assert.False(scaler.Update(gradientsFinite: false));
        Assert.Equal(512, scaler.Scale);
        Assert.True(scaler.Update(true));
        Assert.True(scaler.Update(true));
        Assert.Equal(512, scaler.Scale);
        Assert.True(scaler.Update(true));
        Assert.Equal(1024, scaler.Scale);
    }
}
