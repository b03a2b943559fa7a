using ChatGlmLab.Modeling;
using ChatGlmLab.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Quantization;

/// <summary>
/// The fused decode kernel against dequantize (Float32 mode) + linear, on random layers of odd sizes, every row
/// count it takes, float32 and bfloat16 activations, with and without bias, in every variant this CPU runs.
/// </summary>
public class QuantizedMatVecTests
{
    private static readonly QuantizedKernelVariant[] Variants =
        QuantizedKernelVariants.Supported;

    /// <summary>
    /// in 200 = 6 blocks of 32 + 8 (Vector512), 12 of 16 + 8 (Vector256): the tail path runs; out 37 is not a multiple
    /// of 16. 1000 x 1002 is large enough to be split between two workers, with a tail as well. in 50 = 1 block of 32 + 18,
    /// 3 of 16 + 2: an odd number of blocks, so the loops' last single block runs.
    /// </summary>
    public static TheoryData<int, ScalarType, bool> Cases()
    {
        var data = new TheoryData<int, ScalarType, bool>();
        foreach (int bits in new[] { 4, 8 })
            foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
                foreach (bool withBias in new[] { true, false })
                    data.Add(bits, dtype, withBias);
        return data;
    }

    private static readonly (long Out, long In)[] Shapes = [(37, 200), (1000, 1002), (9, 50)];

    private sealed record Layer(Tensor Weight, Tensor Scale, Tensor? Bias, int Bits);

    private static Layer RandomLayer(int bits, long outFeatures, long inFeatures, ScalarType dtype, bool withBias, long seed)
    {
        var generator = new Generator((ulong)seed);
        // Rows of different magnitudes, so that the per-row scales differ widely.
        var w = randn([outFeatures, inFeatures], generator: generator) * (rand([outFeatures, 1], generator: generator) * 0.1 + 0.001);
        var q = SymmetricRowQuantization.Quantize(w, bits);
        var bias = withBias ? randn([outFeatures], generator: generator).to(dtype) : null;
        return new Layer(q.Weight, q.Scale, bias, bits);
    }

    private static Tensor Activations(long rows, long inFeatures, ScalarType dtype, long seed) =>
        randn([rows, 1, inFeatures], generator: new Generator((ulong)seed)).to(dtype);   // leading dims flattened by the kernel

    private static Tensor DequantizeAndLinear(Tensor x, Layer layer)
    {
        using var w = Dequantization.Dequantize(layer.Weight, layer.Scale, layer.Bits, DequantizationMode.Float32, x.dtype);
        return nn.functional.linear(x, w, layer.Bias);
    }

    /// <summary>
    /// How far two float32-accumulated evaluations of y = Σ_j w_j x_j + b may be apart: each is within
    /// γ_(n+1) · (Σ_j |w_j x_j| + |b|) of the exact value (γ_k = k·u / (1 − k·u), u = 2⁻²⁴; products of exact
    /// dequantized weights and activations), so together 2γ. bfloat16 outputs add their roundings to bfloat16,
    /// at most 2⁻⁸ relative each: once for the fused kernel, at most twice for the reference (matmul, then + bias).
    /// </summary>
    private static Tensor Tolerance(Tensor x, Layer layer, Tensor reference)
    {
        long n = x.shape[^1];
        double u = Math.Pow(2, -24), gamma = (n + 1) * u / (1 - (n + 1) * u);
        using var w = Dequantization.Dequantize(layer.Weight, layer.Scale, layer.Bits, DequantizationMode.Float32, ScalarType.Float32);
        var magnitude = x.to(ScalarType.Float64).abs().matmul(w.to(ScalarType.Float64).abs().t());
        var bias = layer.Bias?.to(ScalarType.Float64).abs();
        if (bias is not null) magnitude = magnitude + bias;
        var tolerance = magnitude * (2 * gamma * 1.01);   // 1.01: bfloat16-rounded weights may be 2⁻⁹ larger
        if (x.dtype == ScalarType.BFloat16)
        {
            var y = reference.to(ScalarType.Float64).abs();
            var matmulPart = bias is null ? y : (reference.to(ScalarType.Float64) - layer.Bias!.to(ScalarType.Float64)).abs();
            tolerance = tolerance + (matmulPart + y * 2) * Math.Pow(2, -8);
        }
        return tolerance;
    }

    private static void AssertWithin(Tensor expected, Tensor actual, Tensor tolerance, string what)
    {
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        var excess = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs() - tolerance;
        double worst = excess.max().item<double>();
        Assert.True(worst <= 0, $"{what}: exceeds the float32-accumulation tolerance by {worst:E3} " +
            $"(max |diff| {(actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs().max().item<double>():E3})");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EqualsDequantizeAndLinearForEveryRowCountAndVariant(int bits, ScalarType dtype, bool withBias)
    {
        using var _ = no_grad();
        foreach (var (outFeatures, inFeatures) in Shapes)
        {
            using var scope = NewDisposeScope();
            var layer = RandomLayer(bits, outFeatures, inFeatures, dtype, withBias, seed: outFeatures + bits);
            for (int rows = 1; rows <= QuantizedMatVec.MaxRows; rows++)
            {
                var x = Activations(rows, inFeatures, dtype, seed: rows);
                Assert.True(QuantizedMatVec.CanMultiply(x, layer.Weight, layer.Scale, layer.Bias, DequantizationMode.Float32));
                var expected = DequantizeAndLinear(x, layer);
                var tolerance = Tolerance(x, layer, expected);
                foreach (var variant in Variants)
                {
                    var fused = QuantizedMatVec.Multiply(x, layer.Weight, layer.Scale, layer.Bias, bits, variant);
                    AssertWithin(expected, fused, tolerance, $"int{bits} {dtype} bias={withBias} {outFeatures}x{inFeatures} rows={rows} {variant}");
                }
            }
        }
    }

    /// <summary>
    /// One activation row of an int4 weight with long rows runs four weight rows per pass over x (QuantizedRowDot.Dot4RowsInt4);
    /// two rows run one weight row at a time. Each row's sum is computed the same way in both, so the first row's outputs
    /// must be equal bit for bit: 37 rows (a tail of one) of 8200 columns (a tail of 8), and 201 rows of 8192 columns
    /// (split between two workers), both at or above QuantizedMatVec.FourRowMinColumns; and the shorter shapes, one row at a time.
    /// </summary>
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void OneActivationRowGivesTheBitsOfTheSameRowInABatch(ScalarType dtype)
    {
        using var _ = no_grad();
        Assert.True(8192 >= QuantizedMatVec.FourRowMinColumns);
        foreach (var (outFeatures, inFeatures) in Shapes.Concat([(37L, 8200L), (201L, 8192L)]))
        {
            using var scope = NewDisposeScope();
            var layer = RandomLayer(4, outFeatures, inFeatures, dtype, withBias: true, seed: outFeatures);
            var x = Activations(1, inFeatures, dtype, seed: 3);
            var batch = cat([x, Activations(1, inFeatures, dtype, seed: 4)], 0);
            foreach (var variant in Variants)
            {
                var single = QuantizedMatVec.Multiply(x, layer.Weight, layer.Scale, layer.Bias, 4, variant);
                var first = QuantizedMatVec.Multiply(batch, layer.Weight, layer.Scale, layer.Bias, 4, variant).narrow(0, 0, 1);
                Assert.True(single.eq(first).all().item<bool>(), $"{dtype} {outFeatures}x{inFeatures} {variant}: one row differs from the same row in a batch of two");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void VariantsAgreeWithTheScalarKernel(int bits, ScalarType dtype, bool withBias)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var (outFeatures, inFeatures) = Shapes[1];
        var layer = RandomLayer(bits, outFeatures, inFeatures, dtype, withBias, seed: 7);
        var x = Activations(3, inFeatures, dtype, seed: 11);
        var scalar = QuantizedMatVec.Multiply(x, layer.Weight, layer.Scale, layer.Bias, bits, QuantizedKernelVariant.Scalar);
        // Both round their output once when it is bfloat16: the reference-side term of Tolerance covers it.
        var tolerance = Tolerance(x, layer, scalar);
        foreach (var variant in Variants)
            AssertWithin(scalar, QuantizedMatVec.Multiply(x, layer.Weight, layer.Scale, layer.Bias, bits, variant), tolerance, $"{variant} vs Scalar");
        Assert.Contains(QuantizedKernelVariants.Best, Variants);
    }

    [Theory]
    [InlineData(4, ScalarType.Float32)]
    [InlineData(8, ScalarType.Float32)]
    [InlineData(4, ScalarType.BFloat16)]
    [InlineData(8, ScalarType.BFloat16)]
    public void TwoUnitActivationsGiveExactlyTheDequantizedResult(int bits, ScalarType dtype)
    {
        // x = 1 at columns j and k, 0 elsewhere: y = w_j + w_k with no accumulation error on either side (the two
        // weights share the row's scale, so their sum is exact in float32), so the kernel must match dequantize +
        // linear bit for bit. For bfloat16 that holds only if the kernel rounds each weight to bfloat16(q·s) as the
        // dequantized matrix does: bfloat16(q_j·s + q_k·s) differs from bfloat16(bf16(q_j·s) + bf16(q_k·s)) on many rows.
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var layer = RandomLayer(bits, 37, 200, dtype, withBias: false, seed: 3);
        foreach (var variant in Variants)
            foreach (var (j, k) in new[] { (0, 1), (2, 5), (31, 32), (17, 100), (190, 199) })   // even/odd, block edges, the tail
            {
                var x = zeros([1, 200], dtype);
                x[0, j] = tensor(1f).to(dtype);
                x[0, k] = tensor(1f).to(dtype);
                var expected = DequantizeAndLinear(x, layer);
                var y = QuantizedMatVec.Multiply(x, layer.Weight, layer.Scale, null, bits, variant);
                Assert.True(expected.equal(y).all().item<bool>(), $"int{bits} {dtype} {variant}: columns {j} + {k}");
            }
    }

    [Fact]
    public void CanMultiplyOnlyTheCallsItReproduces()
    {
        using var scope = NewDisposeScope();
        var layer = RandomLayer(4, 37, 200, ScalarType.Float32, withBias: true, seed: 5);
        bool Can(Tensor x, DequantizationMode mode = DequantizationMode.Float32, Tensor? bias = null) =>
            QuantizedMatVec.CanMultiply(x, layer.Weight, layer.Scale, bias ?? layer.Bias, mode);

        Assert.True(Can(randn(8, 200)));
        Assert.True(Can(randn(2, 4, 200)));                                      // 8 rows after flattening
        Assert.False(Can(randn(9, 200)));                                        // prefill: dequantize + matmul
        Assert.False(Can(randn(3, 3, 200)));
        Assert.False(Can(randn(1, 200), DequantizationMode.Float16));            // float16-rounded weights: not reproduced
        Assert.False(Can(randn(1, 200).to(ScalarType.Float16), bias: layer.Bias!.to(ScalarType.Float16)));
        Assert.False(Can(randn(200, 2).t()));                                    // not contiguous
        Assert.False(Can(randn(1, 200), bias: layer.Bias!.to(ScalarType.BFloat16))); // bias in another dtype
        Assert.False(Can(randn(1, 200, requires_grad: true)));                  // training: needs autograd
        using (no_grad()) Assert.True(Can(randn(1, 200, requires_grad: true)));
    }

    [Fact]
    public void QuantizedLinearUsesTheFusedKernelOnlyForDecodeCalls()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var linear = new Linear(200, 37, hasBias: true, new ModuleFactory(ScalarType.Float32, CPU, ParameterInit.Random));
        using var layer = QuantizedLinear.FromLinear(linear, 4);
        var decode = randn(1, 1, 200);
        var fused = layer.forward(decode);
        Assert.Equal(1, layer.FusedCallCount);
        layer.forward(randn(1, 9, 200));
        Assert.Equal(1, layer.FusedCallCount);

        layer.FusedDecode = false;
        var unfused = layer.forward(decode);
        Assert.Equal(1, layer.FusedCallCount);
        var diff = (fused - unfused).abs();
        Assert.True(diff.max().item<float>() < 1e-5f, $"fused and dequantize+matmul differ by {diff.max().item<float>():E2}");
    }
}
