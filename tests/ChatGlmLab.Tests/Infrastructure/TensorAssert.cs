using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Infrastructure;

/// <summary>Comparisons of TorchSharp tensors with fixture tensors ({shape, dtype, data}).</summary>
public static class TensorAssert
{
    /// <summary>Asserts shape equality and max |a - b| &lt; tolerance; returns the max difference.</summary>
    public static double Close(JsonElement expected, Tensor actual, double tolerance, string what)
    {
        var shape = FixtureJson.Shape(expected);
        Assert.True(shape.SequenceEqual(actual.shape), $"{what}: shape [{string.Join(",", actual.shape)}] != fixture [{string.Join(",", shape)}]");
        return Close(FixtureJson.Floats(expected), actual, tolerance, what);
    }

    public static double Close(float[] expected, Tensor actual, double tolerance, string what)
    {
        var got = actual.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        Assert.Equal(expected.Length, got.Length);
        double max = 0;
        int worst = -1;
        for (int i = 0; i < got.Length; i++)
        {
            double d = Math.Abs((double)got[i] - expected[i]);
            if (double.IsNaN(d)) d = double.PositiveInfinity;
            if (d > max) { max = d; worst = i; }
        }
        Assert.True(max < tolerance, $"{what}: max |diff| {max:E3} at flat index {worst} (got {(worst >= 0 ? got[worst] : 0)}, expected {(worst >= 0 ? expected[worst] : 0)}) exceeds {tolerance:E1}");
        return max;
    }

    /// <summary>Every element of <paramref name="actual"/> is within its own <paramref name="tolerance"/> of <paramref name="expected"/> (compared in float64).</summary>
    public static void WithinElementwise(Tensor expected, Tensor actual, Tensor tolerance, string what)
    {
        var excess = actual.to(ScalarType.Float64).sub(expected.to(ScalarType.Float64)).abs().sub(tolerance);
        double worst = excess.max().item<double>();
        Assert.True(worst <= 0, $"{what}: exceeds the tolerance by {worst:E3}");
    }

    public static void EqualLongs(JsonElement expected, Tensor actual, string what)
    {
        var shape = FixtureJson.Shape(expected);
        Assert.True(shape.SequenceEqual(actual.shape), $"{what}: shape [{string.Join(",", actual.shape)}] != fixture [{string.Join(",", shape)}]");
        Assert.Equal(FixtureJson.Longs(expected), actual.to(ScalarType.Int64).cpu().contiguous().data<long>().ToArray());
    }

    public static Tensor LongTensor(JsonElement fixture) =>
        tensor(FixtureJson.Longs(fixture), FixtureJson.Shape(fixture));

    public static Tensor BoolTensor(JsonElement fixture) =>
        tensor(FixtureJson.Longs(fixture).Select(v => v != 0).ToArray(), FixtureJson.Shape(fixture));
}
