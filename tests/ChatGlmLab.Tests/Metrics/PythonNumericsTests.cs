using ChatGlmLab.Metrics;

namespace ChatGlmLab.Tests.Metrics;

/// <summary>Python float behaviours the metrics rely on (expected values from CPython 3.11).</summary>
public class PythonNumericsTests
{
    [Theory]
    [InlineData(2.675, 2, 2.67)]      // stored as 2.67499999..., so down (Math.Round's scaling says 2.68)
    [InlineData(0.125, 2, 0.12)]      // exact tie: half to even
    [InlineData(0.375, 2, 0.38)]      // exact tie: half to even
    [InlineData(2.5, 0, 2.0)]
    [InlineData(3.5, 0, 4.0)]
    [InlineData(-2.675, 2, -2.67)]
    [InlineData(57.37534207374327, 4, 57.3753)]
    [InlineData(99.9999995, 4, 100.0)]
    [InlineData(0.0005904942943065713, 4, 0.0006)]
    [InlineData(1e-300, 4, 0.0)]
    public void RoundMatchesPython(double value, int digits, double expected) =>
        Assert.Equal(expected, PythonRound.Round(value, digits));

    [Fact]
    public void RoundKeepsTheSignOfZero() =>
        Assert.True(double.IsNegative(PythonRound.Round(-0.00001, 4)));

    [Fact]
    public void FsumIsCorrectlyRounded()
    {
        Assert.Equal(1.0, PythonFsum.Sum([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]));
        Assert.Equal(1e-16, PythonFsum.Sum([1.0, 1e-16, -1.0]));
        Assert.Equal(0.0, PythonFsum.Sum([]));
        // Half-way case decided by a later partial: 1 + 2^-53 + 2^-106 rounds up.
        Assert.Equal(1.0000000000000002, PythonFsum.Sum([1.0, Math.Pow(2, -53), Math.Pow(2, -106)]));
        Assert.Equal(1.0, PythonFsum.Sum([1.0, Math.Pow(2, -53)]));
    }

    [Fact]
    public void NumpyMeanUsesPairwiseSummation()
    {
        // Ten values: 8 running sums then the remainder, which differs from a left-to-right sum.
        double[] values = [1e16, 1.0, -1e16, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
        double sequential = values.Aggregate(0.0, (s, v) => s + v) / values.Length;
        double pairwise = ((1e16 + 1.0) + (-1e16 + 1.0) + ((1.0 + 1.0) + (1.0 + 1.0)) + 1.0 + 1.0) / values.Length;
        Assert.Equal(pairwise, NumpyMean.Of(values));
        Assert.NotEqual(sequential, NumpyMean.Of(values));
        Assert.Equal(2.0, NumpyMean.Of([1.0, 2.0, 3.0]));
        Assert.True(double.IsNaN(NumpyMean.Of([])));
    }

    [Fact]
    public void PythonWhitespaceIncludesInformationSeparators()
    {
        Assert.Equal(["a", "b", "c"], PythonWhitespace.Split(" a\u001Fb\u3000c\n"));
        Assert.Equal("a", PythonWhitespace.TrimEnd("a \u001C\u00A0"));
        Assert.True(PythonWhitespace.HasNoWord(" \t\u2028"));
        Assert.False(PythonWhitespace.HasNoWord(" \u200B")); // zero-width space is not whitespace
    }

    [Fact]
    public void CodePointsKeepSurrogatePairsTogether() =>
        Assert.Equal(["👍", "好", "的"], CodePoints.Split("👍好的"));
}
