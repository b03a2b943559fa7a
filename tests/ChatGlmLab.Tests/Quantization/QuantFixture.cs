using System.Text.Json;
using static TorchSharp.torch;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Quantization;

/// <summary>Reads case7_quantization of the tiny model's cases.json and compares exact int/fp16 tensors.</summary>
public static class QuantFixture
{
    public static JsonElement Cases { get; } = FixtureJson.Load("chatglm-tiny", "cases.json");
    public static JsonElement Case7 => Cases.GetProperty("case7_quantization");
    public static JsonElement Case1InputIds => Cases.GetProperty("case1_single_forward").GetProperty("input_ids");

    /// <summary>case7 full_model.int8 / full_model.int4.</summary>
    public static JsonElement FullModel(int bits) => Case7.GetProperty("full_model").GetProperty($"int{bits}");

    /// <summary>The quantized fixture folder for a bit width.</summary>
    public static string QuantizedDir(int bits) => Paths.Fixture($"chatglm-tiny-int{bits}");

    /// <summary>Asserts an int8 tensor equals a fixture int8 tensor element for element.</summary>
    public static void EqualInts(JsonElement expected, Tensor actual, string what)
    {
        Assert.Equal(ScalarType.Int8, actual.dtype);
        var shape = FixtureJson.Shape(expected);
        Assert.True(shape.SequenceEqual(actual.shape), $"{what}: shape [{string.Join(",", actual.shape)}] != fixture [{string.Join(",", shape)}]");
        var want = FixtureJson.Longs(expected);
        var got = actual.to(ScalarType.Int64).contiguous().data<long>().ToArray();
        for (int i = 0; i < got.Length; i++)
            Assert.True(want[i] == got[i], $"{what}: element {i} is {got[i]}, fixture {want[i]}");
    }

    /// <summary>Asserts a float16 tensor equals a fixture float16 tensor bit for bit.</summary>
    public static void EqualHalves(JsonElement expected, Tensor actual, string what)
    {
        Assert.Equal(ScalarType.Float16, actual.dtype);
        var shape = FixtureJson.Shape(expected);
        Assert.True(shape.SequenceEqual(actual.shape), $"{what}: shape [{string.Join(",", actual.shape)}] != fixture [{string.Join(",", shape)}]");
        var want = FixtureJson.Floats(expected);
        var got = actual.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        for (int i = 0; i < got.Length; i++)
            Assert.True(want[i] == got[i], $"{what}: element {i} is {got[i]:R}, fixture {want[i]:R}");
    }

    /// <summary>Two tensors with identical dtype, shape and bits.</summary>
    public static void Identical(Tensor expected, Tensor actual, string what)
    {
        Assert.True(expected.dtype == actual.dtype, $"{what}: dtype {actual.dtype} != {expected.dtype}");
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{what}: shape [{string.Join(",", actual.shape)}] != [{string.Join(",", expected.shape)}]");
        Assert.True(expected.equal(actual).all().item<bool>(), $"{what}: values differ");
    }

    public static Tensor FloatTensor(JsonElement fixture) => tensor(FixtureJson.Floats(fixture), FixtureJson.Shape(fixture));
}
