using System.Runtime.InteropServices;
using ChatGlmLab.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Quantization;

/// <summary>
/// The CPU quantization kernel against the original torch-op implementation (SymmetricRowQuantization.QuantizeWithTorchOps, the path other devices take), bit for
/// bit (stored int8 / packed int4 bytes and float16 scale bits), for every source dtype × bits, in every variant this CPU
/// runs (scalar included) and through the public <see cref="SymmetricRowQuantization.Quantize"/>; plus crafted rows for
/// every edge case torch defines (zero rows, zero scales, wraparound, ties, subnormals, NaN, infinity).
/// </summary>
public class QuantizationKernelTests
{
    private static readonly ScalarType[] SourceDTypes = [ScalarType.Float32, ScalarType.Float16, ScalarType.BFloat16];

    public static TheoryData<ScalarType, int> Cases()
    {
        var data = new TheoryData<ScalarType, int>();
        foreach (var dtype in SourceDTypes)
            foreach (int bits in new[] { 4, 8 })
                data.Add(dtype, bits);
        return data;
    }

    /// <summary>
    /// [out, in]: 1×2 (no vector block), 3×30 (less than one Vector512 block; one Vector256 block + tail), 37×200, 17×130 and
    /// 1000×1002 (two workers, with a tail). No in size is a multiple of 64 and no out size a multiple of 16.
    /// </summary>
    private static readonly (long Out, long In)[] Shapes = [(1, 2), (3, 30), (37, 200), (17, 130), (1000, 1002)];

    /// <summary>
    /// Normal weights with a per-row magnitude spread over 2⁻³⁰..2¹⁰ (float16-subnormal scales and weights, scales that round
    /// to 0), about 5% all-zero rows and a few exact ties (weights that are k + ½ times their row's scale are hard to craft at
    /// random; the crafted rows below cover them).
    /// </summary>
    private static Tensor RandomWeight(ScalarType dtype, long outFeatures, long inFeatures, long seed)
    {
        var generator = new Generator((ulong)seed);
        var rowMagnitude = pow(2, rand([outFeatures, 1], generator: generator) * 40 - 30);
        var zero = rand([outFeatures, 1], generator: generator) < 0.05;
        var w = (randn([outFeatures, inFeatures], generator: generator) * rowMagnitude).masked_fill(zero, 0);
        return w.to(dtype);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryVariantEqualsTheTorchOpsBitForBitOnOddShapes(ScalarType dtype, int bits)
    {
        using var _ = no_grad();
        foreach (var (outFeatures, inFeatures) in Shapes)
        {
            using var scope = NewDisposeScope();
            var weight = RandomWeight(dtype, outFeatures, inFeatures, seed: outFeatures * 31 + inFeatures + bits);
            AssertKernelEqualsTorch(weight, bits, $"{dtype} int{bits} [{outFeatures}, {inFeatures}]");
        }
    }

    /// <summary>
    /// Every non-negative float16 (or bfloat16) bit pattern as a row's largest magnitude (32,768 rows), the row's other 65
    /// columns random fractions of it: every scale the narrow dtype's max / 127 (or 7) can produce, subnormal, overflow and NaN included.
    /// </summary>
    [Theory]
    [InlineData(ScalarType.Float16, 8)]
    [InlineData(ScalarType.Float16, 4)]
    [InlineData(ScalarType.BFloat16, 8)]
    [InlineData(ScalarType.BFloat16, 4)]
    public void EveryNarrowRowMaximumGivesTheTorchScaleAndLevels(ScalarType dtype, int bits)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var max = empty([32768, 1], dtype);
        var maxBits = MemoryMarshal.Cast<byte, ushort>(max.bytes);   // the tensor's own memory
        for (int i = 0; i < maxBits.Length; i++) maxBits[i] = (ushort)i;
        var fractions = rand([32768, 65], generator: new Generator(11)) * 2 - 1;
        // |fraction · max| ≤ max after rounding, so column 0 stays the row's largest magnitude (inf · 0 would be NaN: none are 0).
        var weight = cat([max, (fractions * max.to(ScalarType.Float32)).to(dtype)], 1).contiguous();
        AssertKernelEqualsTorch(weight, bits, $"{dtype} int{bits} every row max");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CraftedEdgeRowsEqualTheTorchOps(ScalarType dtype, int bits)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var weight = tensor(EdgeRows(bits), [EdgeRowCount, EdgeColumns]).to(dtype);
        AssertKernelEqualsTorch(weight, bits, $"{dtype} int{bits} edge rows");
    }

    /// <summary>What the edge rows give, stated: the wraparound and zero-scale behaviour of torch's int8 cast, not just "same as torch".</summary>
    [Fact]
    public void EdgeRowsGiveTheDocumentedLevels()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        float u = MathF.Pow(2, -24);   // the smallest float16 subnormal
        foreach (var dtype in SourceDTypes)
        {
            // scale = float16(128u / 127) = u, ratio 128 → int8 −128; 190u / 127 → u, 190 → −66.
            var wrap = SymmetricRowQuantization.Quantize(tensor(new[] { 128 * u, -128 * u, 190 * u, -190 * u }, [1, 4]).to(dtype), 8);
            Assert.Equal(new sbyte[] { -128, -128, -66, 66 }, wrap.Weight.data<sbyte>().ToArray());
            Assert.Equal(u, wrap.Scale.to(ScalarType.Float32).item<float>());

            // 63u / 127 rounds to a zero scale: nonzero / 0 = ±infinity → nan_to_num → ±65504 in float16 (int8: ∓32 after
            // wraparound) but ±3.4e38 in float32 (out of int32's range: 0); 0 / 0 = NaN → 0.
            var zeroScale = SymmetricRowQuantization.Quantize(tensor(new[] { 63 * u, -10 * u, 0f, 5 * u }, [1, 4]).to(dtype), 8);
            sbyte[] expected = dtype == ScalarType.Float16 ? [-32, 32, 0, -32] : [0, 0, 0, 0];
            Assert.Equal(expected, zeroScale.Weight.data<sbyte>().ToArray());
            Assert.Equal(0f, zeroScale.Scale.to(ScalarType.Float32).item<float>());

            // int4: 8u / 7 → scale u, level 8, whose low nibble reads back as −8.
            var wrap4 = SymmetricRowQuantization.Quantize(tensor(new[] { 8 * u, 1 * u }, [1, 2]).to(dtype), 4);
            Assert.Equal(new sbyte[] { unchecked((sbyte)0x81) }, wrap4.Weight.data<sbyte>().ToArray());

            // Ties round half to even: scale float16(127 / 127) = 1.
            var ties = SymmetricRowQuantization.Quantize(tensor(new[] { 127f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 126.5f }, [1, 8]).to(dtype), 8);
            Assert.Equal(new sbyte[] { 127, 0, 2, 2, 0, -2, -2, 126 }, ties.Weight.data<sbyte>().ToArray());

            // A NaN makes the row's scale NaN, an infinity makes it infinite; every level of such a row is 0.
            var special = SymmetricRowQuantization.Quantize(tensor(new[] { 1f, float.NaN, 2f, 3f, 1f, float.PositiveInfinity, -2f, 3f }, [2, 4]).to(dtype), 8);
            Assert.All(special.Weight.data<sbyte>().ToArray(), level => Assert.Equal(0, level));
            var scales = special.Scale.to(ScalarType.Float32).data<float>().ToArray();
            Assert.True(float.IsNaN(scales[0]) && float.IsPositiveInfinity(scales[1]), $"{dtype}: scales {scales[0]}, {scales[1]}");
        }
    }

    private const int EdgeRowCount = 12, EdgeColumns = 40;   // 40 columns: one Vector512 block + a tail, two Vector256 blocks + a tail

    /// <summary>Rows, each padded with copies of its pattern to <see cref="EdgeColumns"/> so that every case meets vector lanes and the tail.</summary>
    private static float[] EdgeRows(int bits)
    {
        float u = MathF.Pow(2, -24);
        float level = SymmetricRowQuantization.MaxLevel(bits);
        float[][] patterns =
        [
            [0f],                                                          // all zero: scale 0, 0/0 → 0
            [-0f, 0f],                                                     // negative zeros
            [63 * u, -10 * u, 5 * u, 0f],                                  // scale rounds to 0: ±infinite ratios
            [128 * u, -128 * u, 190 * u, -190 * u, 100 * u, u],            // ratios that round to ±128 and beyond
            [8 * u, -8 * u, 10 * u, 3 * u],                                // int4 wraparound
            [level, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, level - 0.5f],  // ties, scale exactly 1
            [1000 * u, 333 * u, -517 * u, 1023 * u, 2 * u],                // float16-subnormal weights with a subnormal scale
            [1f, float.NaN, 2f, 3f],                                       // NaN
            [1f, float.PositiveInfinity, -2f, 3f],                         // infinity
            [float.NegativeInfinity, float.PositiveInfinity],              // inf / inf
            [65504f, -65504f, 1e-3f, 3f],                                  // the largest float16
            [3e38f, -1e-30f, 1e30f],                                       // float32 extremes (float16: infinity)
        ];
        var rows = new float[EdgeRowCount * EdgeColumns];
        for (int r = 0; r < EdgeRowCount; r++)
            for (int c = 0; c < EdgeColumns; c++) rows[r * EdgeColumns + c] = patterns[r][c % patterns[r].Length];
        return rows;
    }

    [Fact]
    public void QuantizeIntoWritesALayersTensorsInPlaceAndTakesNonContiguousWeights()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var weight = RandomWeight(ScalarType.Float16, 130, 37, seed: 3).t();    // [37, 130], not contiguous
        Assert.False(weight.is_contiguous());
        foreach (int bits in new[] { 4, 8 })
        {
            var stored = full([37, 130 * bits / 8], 0x55, ScalarType.Int8);   // garbage that must be overwritten
            var scale = full([37], 7.0, ScalarType.Float16);
            Assert.True(QuantizationKernel.CanWrite(weight, bits, stored, scale), "the kernel writes these tensors in place");
            SymmetricRowQuantization.QuantizeInto(weight, bits, stored, scale);
            var expected = SymmetricRowQuantization.QuantizeWithTorchOps(weight, bits);
            AssertSameBits(expected.Weight, stored, $"QuantizeInto int{bits} weight");
            AssertSameBits(expected.Scale, scale, $"QuantizeInto int{bits} scale");
        }
    }

    [Fact]
    public void OtherDtypesKeepTheTorchOps()
    {
        using var scope = NewDisposeScope();
        var weight = RandomWeight(ScalarType.Float64, 5, 6, seed: 1);
        Assert.False(QuantizationKernel.CanRead(weight));
        var expected = SymmetricRowQuantization.QuantizeWithTorchOps(weight, 8);
        var q = SymmetricRowQuantization.Quantize(weight, 8);
        AssertSameBits(expected.Weight, q.Weight, "float64 weight");
        AssertSameBits(expected.Scale, q.Scale, "float64 scale");
    }

    private static void AssertKernelEqualsTorch(Tensor weight, int bits, string what)
    {
        var expected = SymmetricRowQuantization.QuantizeWithTorchOps(weight, bits);
        foreach (var variant in QuantizedKernelVariants.Supported)
        {
            var stored = empty([weight.shape[0], weight.shape[1] * bits / 8], ScalarType.Int8);
            var scale = empty([weight.shape[0]], ScalarType.Float16);
            QuantizationKernel.Quantize(weight, bits, stored, scale, variant);
            AssertSameBits(expected.Scale, scale, $"{what} {variant} scale");
            AssertSameBits(expected.Weight, stored, $"{what} {variant} weight");
        }
        var q = SymmetricRowQuantization.Quantize(weight, bits);
        AssertSameBits(expected.Scale, q.Scale, $"{what} Quantize scale");
        AssertSameBits(expected.Weight, q.Weight, $"{what} Quantize weight");
    }

    /// <summary>int8: identical bytes; float16: identical bits except that any NaN equals any NaN (its payload is not specified).</summary>
    private static void AssertSameBits(Tensor expected, Tensor actual, string what)
    {
        Assert.True(expected.dtype == actual.dtype, $"{what}: dtype {actual.dtype} != {expected.dtype}");
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{what}: shape [{string.Join(",", actual.shape)}] != [{string.Join(",", expected.shape)}]");
        var want = expected.contiguous();
        long columns = expected.dim() == 2 ? expected.shape[1] : 1;
        if (expected.dtype == ScalarType.Int8)
        {
            var w = MemoryMarshal.Cast<byte, sbyte>(want.bytes);
            var g = MemoryMarshal.Cast<byte, sbyte>(actual.bytes);
            for (int i = 0; i < w.Length; i++)
                if (w[i] != g[i]) Assert.Fail($"{what}: byte [{i / columns}, {i % columns}] is {g[i]} where the torch ops give {w[i]}");
            return;
        }
        var wantBits = MemoryMarshal.Cast<byte, ushort>(want.bytes);
        var gotBits = MemoryMarshal.Cast<byte, ushort>(actual.bytes);
        for (int i = 0; i < wantBits.Length; i++)
            if (wantBits[i] != gotBits[i] && !((wantBits[i] & 0x7FFF) > 0x7C00 && (gotBits[i] & 0x7FFF) > 0x7C00))
                Assert.Fail($"{what}: element {i} has bits 0x{gotBits[i]:X4} where the torch ops give 0x{wantBits[i]:X4}");
    }
}
