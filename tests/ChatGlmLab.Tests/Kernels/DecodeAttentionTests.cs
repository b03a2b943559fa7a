using ChatGlmLab.Kernels;
using ChatGlmLab.Runtime;
using ChatGlmLab.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Kernels;

/// <summary>
/// The decode attention kernel against the exact attention (float64 over the same float32/bfloat16 values) and against
/// torch's scaled_dot_product_attention, on the layouts the model gives it: q a transposed view, k and v narrowed views of
/// a preallocated cache, an additive mask broadcast over heads; for every query-row count it takes, head sizes with and
/// without a vector tail, and enough heads to be split between two workers.
/// </summary>
public class DecodeAttentionTests
{
    private const double U = 5.9604644775390625E-08;   // 2⁻²⁴, float32's unit roundoff

    public static TheoryData<ScalarType, bool> Cases() => new()
    {
        { ScalarType.Float32, true }, { ScalarType.Float32, false }, { ScalarType.BFloat16, true }, { ScalarType.BFloat16, false },
    };

    /// <summary>The tensors as the model passes them: q [b, h, rows, d] transposed from [b, rows, h, d]; k, v the first positions of a longer cache.</summary>
    private static (Tensor Q, Tensor K, Tensor V, Tensor? Mask) Inputs(Generator generator, ScalarType dtype, long batch, long heads, long rows,
        long positions, long headDim, bool withMask)
    {
        var q = randn([batch, rows, heads, headDim], generator: generator).to(dtype).transpose(1, 2);
        var cacheK = randn([batch, heads, positions + 7, headDim], generator: generator).to(dtype);
        var cacheV = randn([batch, heads, positions + 7, headDim], generator: generator).to(dtype);
        Tensor? mask = null;
        if (withMask)
        {
            // About a third of the keys masked (-inf), never all of a row's: the model unmasks fully masked rows itself.
            var masked = rand([batch, 1, rows, positions], generator: generator).lt(Number(0.3));
            masked.narrow(3, positions - 1, 1).zero_();
            mask = zeros([batch, 1, rows, positions], dtype).masked_fill(masked, Scalars.MinusInfinity);
        }
        return (q, cacheK.narrow(2, 0, positions), cacheV.narrow(2, 0, positions), mask);
    }

    /// <summary>
    /// softmax(q·kᵀ/√d + mask)·v in float64, and how far a float32 computation may be from it: a score's error is
    /// γ_(d+2)·(Σ_c |q_c k_c|/√d + |mask|), which exp turns into a relative error of each weight (twice: the largest score
    /// is subtracted), plus γ_(n+2) for each of the two sums over positions and a few roundings for exp and the division;
    /// all relative to the weighted mean of |v|. A bfloat16 output adds its rounding (2⁻⁸ relative).
    /// </summary>
    private static (Tensor Exact, Tensor Tolerance, Tensor WeightedAbsV) Exact(Tensor q, Tensor k, Tensor v, Tensor? mask)
    {
        double d = q.shape[3], n = k.shape[2];
        var q64 = q.to(ScalarType.Float64);
        var k64 = k.to(ScalarType.Float64);
        var v64 = v.to(ScalarType.Float64);
        var scale = Number(1 / Math.Sqrt(d));
        var scores = q64.matmul(k64.transpose(-1, -2)).mul(scale);
        var magnitude = q64.abs().matmul(k64.abs().transpose(-1, -2)).mul(scale);
        if (mask is not null)
        {
            scores = scores.add(mask.to(ScalarType.Float64), Scalars.One);
            magnitude = magnitude.masked_fill(mask.isinf(), Scalars.Zero);
        }
        var p = scores.softmax(-1);
        var exact = p.matmul(v64);
        var scoreError = magnitude.amax([-1], keepdim: true).mul(Number(Gamma(d + 2)));
        var weightedAbsV = p.matmul(v64.abs());
        var tolerance = scoreError.mul(Number(2)).add(Number(2 * Gamma(n + 2) + 16 * U), Scalars.One).mul(weightedAbsV);
        if (q.dtype == ScalarType.BFloat16) tolerance = tolerance.add(exact.abs().add(tolerance, Scalars.One).mul(Number(Math.Pow(2, -8))), Scalars.One);
        return (exact, tolerance, weightedAbsV);
    }

    private static double Gamma(double k) => k * U / (1 - k * U);

    /// <summary>A number as a 0-dimensional float64 tensor: arithmetic with it needs no temporary Scalar (see Runtime/Scalars).</summary>
    private static Tensor Number(double value) => tensor(value, ScalarType.Float64);

    [Theory]
    [MemberData(nameof(Cases))]
    public void EqualsTheExactAttentionAndTorchsWithinFloat32RoundingForEveryRowCount(ScalarType dtype, bool withMask)
    {
        using var _ = no_grad();
        // d 128 (chatglm-6b), 72 = 64 + 8 (a vector tail), 20 = 16 + 4 (a scalar tail); 32 heads × 2 batch rows split between two workers.
        foreach (var (batch, heads, positions, headDim) in new (long, long, long, long)[] { (1, 3, 37, 128), (2, 32, 300, 72), (1, 2, 5, 20) })
        {
            for (long rows = 1; rows <= DecodeAttention.MaxQueryRows; rows++)
            {
                using var scope = NewDisposeScope();
                var generator = new Generator((ulong)(rows * 1000 + headDim));
                var (q, k, v, mask) = Inputs(generator, dtype, batch, heads, rows, positions, headDim, withMask);
                Assert.True(DecodeAttention.CanAttend(q, k, v, mask));
                var y = DecodeAttention.Attend(q, k, v, mask);
                Assert.Equal(dtype, y.dtype);
                Assert.Equal(q.shape, y.shape);
                var (exact, tolerance, weightedAbsV) = Exact(q, k, v, mask);
                string what = $"{dtype} mask={withMask} b{batch} h{heads} n{positions} d{headDim} rows={rows}";
                TensorAssert.WithinElementwise(exact, y, tolerance, what + " vs exact");
                // torch is within the same bound of the exact value (in bfloat16 it may also round the weights to
                // bfloat16 before the weighted sum: 2⁻⁸ of the weighted mean of |v|), so the two are within the sum.
                var torchY = nn.functional.scaled_dot_product_attention(q, k, v, mask);
                var torchTolerance = tolerance.mul(Number(2));
                if (dtype == ScalarType.BFloat16) torchTolerance = torchTolerance.add(weightedAbsV.mul(Number(Math.Pow(2, -8))), Scalars.One);
                TensorAssert.WithinElementwise(torchY, y, torchTolerance, what + " vs torch");
            }
        }
    }

    [Fact]
    public void AFullyMaskedRowGivesZerosAsTorchDoes()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var (q, k, v, _) = Inputs(new Generator(3), ScalarType.Float32, 1, 2, 2, 6, 16, withMask: false);
        var mask = zeros([1, 1, 2, 6]);
        mask[0, 0, 1].fill_(Scalars.MinusInfinity);
        var y = DecodeAttention.Attend(q, k, v, mask);
        var torchY = nn.functional.scaled_dot_product_attention(q, k, v, mask);
        Assert.True(torchY[0, TensorIndex.Colon, 1].eq(Scalars.Zero).all().item<bool>());
        Assert.True(y[0, TensorIndex.Colon, 1].eq(Scalars.Zero).all().item<bool>());
        Assert.True(y[0, TensorIndex.Colon, 0].ne(Scalars.Zero).all().item<bool>());
        Assert.True(y[0, TensorIndex.Colon, 0].allclose(torchY[0, TensorIndex.Colon, 0], rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void DeclinesWhatItDoesNotCompute()
    {
        using var scope = NewDisposeScope();
        var (q, k, v, mask) = Inputs(new Generator(5), ScalarType.Float32, 1, 2, 1, 6, 16, withMask: true);
        Assert.True(DecodeAttention.CanAttend(q, k, v, mask));
        var (prefillQ, _, _, _) = Inputs(new Generator(5), ScalarType.Float32, 1, 2, DecodeAttention.MaxQueryRows + 1, 6, 16, withMask: false);
        Assert.False(DecodeAttention.CanAttend(prefillQ, k, v, null));                                       // prefill: torch's attention
        Assert.False(DecodeAttention.CanAttend(q.to(ScalarType.Float64), k, v, mask));                       // dtypes differ
        Assert.False(DecodeAttention.CanAttend(q, k.to(ScalarType.BFloat16), v.to(ScalarType.BFloat16), null));
        Assert.False(DecodeAttention.CanAttend(q, k.transpose(2, 3), v, null));                              // head_dim not contiguous
        Assert.False(DecodeAttention.CanAttend(q, k, v, mask!.to(ScalarType.Bool)));                         // a boolean mask
        Assert.False(DecodeAttention.CanAttend(q, k, v, zeros([1, 1, 1, 5])));                               // mask of another length
        using (enable_grad())
            Assert.False(DecodeAttention.CanAttend(q.detach().requires_grad_(), k, v, mask));                // training: autograd's
        Assert.Throws<ArgumentException>(() => DecodeAttention.Attend(prefillQ, k, v, null));
    }
}
