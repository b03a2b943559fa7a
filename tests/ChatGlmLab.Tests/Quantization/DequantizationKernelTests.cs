using System.Runtime.InteropServices;
using ChatGlmLab.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Quantization;

/// <summary>
/// The CPU dequantization kernel against the original torch-op implementation (Dequantization.DequantizeWithTorchOps, the path other devices take),
/// bit for bit, for every mode × compute dtype × bits, in every variant this CPU runs (scalar included) and through
/// the public <see cref="Dequantization.Dequantize"/>.
/// </summary>
public class DequantizationKernelTests
{
    private static readonly ScalarType[] ComputeDTypes = [ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float16];

    public static TheoryData<int, DequantizationMode, ScalarType> Cases()
    {
        var data = new TheoryData<int, DequantizationMode, ScalarType>();
        foreach (int bits in new[] { 4, 8 })
            foreach (var mode in Enum.GetValues<DequantizationMode>())
                foreach (var dtype in ComputeDTypes)
                    data.Add(bits, mode, dtype);
        return data;
    }

    /// <summary>
    /// [out, in]: 1×2 (no vector block at all), 3×30 (less than one Vector512 block, one Vector256 block + tail),
    /// 37×200 (6 blocks of 32 + 8, 12 of 16 + 8), 17×130, and 1000×1002 (split between two workers, with a tail).
    /// None of the in sizes is a multiple of 64, none of the out sizes a multiple of 16.
    /// </summary>
    private static readonly (long Out, long In)[] Shapes = [(1, 2), (3, 30), (37, 200), (17, 130), (1000, 1002)];

    /// <summary>
    /// Stored weight with uniformly random levels over the whole range of the format (int8 includes −128) and random
    /// float16 scales spread over 2⁻³⁰..2¹⁶ with both signs and some zeros: float16 products then overflow to infinity,
    /// fall into the subnormals, and bfloat16 roundings hit ties.
    /// </summary>
    private static (Tensor Weight, Tensor Scale) RandomStored(int bits, long outFeatures, long inFeatures, long seed)
    {
        var generator = new Generator((ulong)seed);
        int low = bits == 4 ? -8 : -128, high = bits == 4 ? 8 : 128;
        var levels = randint(low, high, [outFeatures, inFeatures], generator: generator).to(ScalarType.Int8);
        var weight = bits == 4 ? Int4Packing.Pack(levels) : levels;
        var exponent = rand([outFeatures], generator: generator) * 46 - 30;
        var sign = (rand([outFeatures], generator: generator) < 0.2).to(ScalarType.Float32) * -2 + 1;
        var zero = rand([outFeatures], generator: generator) < 0.05;
        var scale = (pow(2, exponent) * sign).masked_fill(zero, 0).to(ScalarType.Float16);
        return (weight, scale);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryVariantEqualsTheTorchOpsBitForBitOnOddShapes(int bits, DequantizationMode mode, ScalarType dtype)
    {
        using var _ = no_grad();
        foreach (var (outFeatures, inFeatures) in Shapes)
        {
            using var scope = NewDisposeScope();
            var (weight, scale) = RandomStored(bits, outFeatures, inFeatures, seed: outFeatures * 31 + inFeatures + bits);
            var expected = Dequantization.DequantizeWithTorchOps(weight, scale, bits, mode, dtype);
            string what = $"int{bits} {mode} -> {dtype} [{outFeatures}, {inFeatures}]";
            foreach (var variant in QuantizedKernelVariants.Supported)
                AssertSameBits(expected, DequantizationKernel.Dequantize(weight, scale, bits, mode, dtype, variant), $"{what} {variant}");
            AssertSameBits(expected, Dequantization.Dequantize(weight, scale, bits, mode, dtype), $"{what} Dequantize");
        }
    }

    /// <summary>
    /// Every level of the format times every float16 bit pattern as the scale (65,536 rows), so every rounding case of
    /// the float16 and bfloat16 conversions is met: normal, subnormal, overflow, ties, ±0, ±infinity, NaN.
    /// </summary>
    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void EveryLevelTimesEveryFloat16ScaleEqualsTheTorchOps(int bits)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        int levelCount = bits == 4 ? 16 : 256;
        // int4: each level twice per row, so the 32-column Vector512 block runs too.
        var row = arange(-levelCount / 2, levelCount / 2, ScalarType.Int8).repeat(bits == 4 ? 2 : 1);
        var levels = row.unsqueeze(0).expand(65536, -1).contiguous();
        var weight = bits == 4 ? Int4Packing.Pack(levels) : levels;
        var scale = empty([65536], ScalarType.Float16);
        var scaleBits = MemoryMarshal.Cast<byte, ushort>(scale.bytes);   // the tensor's own memory
        for (int i = 0; i < scaleBits.Length; i++) scaleBits[i] = (ushort)i;   // all bit patterns
        foreach (var mode in Enum.GetValues<DequantizationMode>())
            foreach (var dtype in ComputeDTypes)
            {
                using var inner = NewDisposeScope();
                var expected = Dequantization.DequantizeWithTorchOps(weight, scale, bits, mode, dtype);
                foreach (var variant in QuantizedKernelVariants.Supported)
                    AssertSameBits(expected, DequantizationKernel.Dequantize(weight, scale, bits, mode, dtype, variant), $"int{bits} {mode} -> {dtype} {variant}");
            }
    }

    /// <summary>A model converted with .to(bfloat16) / .to(float32) carries its scales in that dtype.</summary>
    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float32)]
    public void ScalesInOtherDtypesAreTakenAsTheTorchOpsTakeThem(ScalarType scaleDType)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (int bits in new[] { 4, 8 })
        {
            var (weight, _) = RandomStored(bits, 37, 200, seed: bits);
            var scale = (randn([37], generator: new Generator(5)) * 0.01).to(scaleDType);
            foreach (var mode in Enum.GetValues<DequantizationMode>())
                foreach (var dtype in ComputeDTypes)
                    foreach (var variant in QuantizedKernelVariants.Supported)
                        AssertSameBits(Dequantization.DequantizeWithTorchOps(weight, scale, bits, mode, dtype),
                            DequantizationKernel.Dequantize(weight, scale, bits, mode, dtype, variant), $"int{bits} {scaleDType} scale {mode} -> {dtype} {variant}");
        }
    }

    [Fact]
    public void OtherComputeDtypesKeepTheTorchOps()
    {
        using var scope = NewDisposeScope();
        var (weight, scale) = RandomStored(8, 5, 6, seed: 1);
        Assert.False(DequantizationKernel.CanDequantize(weight, scale, 8, ScalarType.Float64));
        Assert.True(DequantizationKernel.CanDequantize(weight, scale, 8, ScalarType.BFloat16));
        AssertSameBits(Dequantization.DequantizeWithTorchOps(weight, scale, 8, DequantizationMode.Float32, ScalarType.Float64),
            Dequantization.Dequantize(weight, scale, 8, DequantizationMode.Float32, ScalarType.Float64), "float64");
    }

    [Fact]
    public void TheResultIsAPlainContiguousTensorWithoutGradient()
    {
        using var scope = NewDisposeScope();
        var (weight, scale) = RandomStored(4, 37, 200, seed: 2);
        var w = Dequantization.Dequantize(weight, scale, 4, DequantizationMode.Float32, ScalarType.BFloat16);
        Assert.True(w.is_contiguous());
        Assert.False(w.requires_grad);
        Assert.Equal(new long[] { 37, 200 }, w.shape);
    }

    /// <summary>Same dtype, shape and bits, except that any NaN equals any NaN (its payload is not specified).</summary>
    private static void AssertSameBits(Tensor expected, Tensor actual, string what)
    {
        Assert.True(expected.dtype == actual.dtype, $"{what}: dtype {actual.dtype} != {expected.dtype}");
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{what}: shape [{string.Join(",", actual.shape)}] != [{string.Join(",", expected.shape)}]");
        Assert.True(expected.is_contiguous() && actual.is_contiguous(), $"{what}: not contiguous");
        if (expected.element_size() == 8)
        {
            Assert.True(expected.equal(actual).all().item<bool>(), $"{what}: values differ");
            return;
        }
        if (expected.element_size() == 4)
            Compare(MemoryMarshal.Cast<byte, uint>(expected.bytes), MemoryMarshal.Cast<byte, uint>(actual.bytes), b => (b & 0x7FFF_FFFFu) > 0x7F80_0000u);
        else if (expected.dtype == ScalarType.BFloat16)
            Compare(MemoryMarshal.Cast<byte, ushort>(expected.bytes), MemoryMarshal.Cast<byte, ushort>(actual.bytes), b => (b & 0x7FFF) > 0x7F80);
        else
            Compare(MemoryMarshal.Cast<byte, ushort>(expected.bytes), MemoryMarshal.Cast<byte, ushort>(actual.bytes), b => (b & 0x7FFF) > 0x7C00);

        void Compare<T>(ReadOnlySpan<T> want, ReadOnlySpan<T> got, Func<T, bool> isNaN) where T : struct, IEquatable<T>
        {
            for (int i = 0; i < want.Length; i++)
                if (!want[i].Equals(got[i]) && !(isNaN(want[i]) && isNaN(got[i])))
                {
                    long columns = expected.shape[^1];
                    Assert.Fail($"{what}: element [{i / columns}, {i % columns}] has bits 0x{got[i]:X} where the torch ops give 0x{want[i]:X}");
                }
        }
    }
}
