using ChatGlmLab.Kernels;
using ChatGlmLab.Modeling;
using ChatGlmLab.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Kernels;

/// <summary>
/// The decode matrix-vector kernel against the exact result (float64 over the same float32/bfloat16 values) and
/// against torch's linear, for every row count it takes, with and without bias, on sizes that exercise the vector
/// tails and the split between two workers.
/// </summary>
public class FloatMatVecTests
{
    /// <summary>in 200 = 3 × 64 + 8 (the scalar tail runs), out 37; 1000 × 1002 is split between two workers, with a tail.</summary>
    private static readonly (long Out, long In)[] Shapes = [(37, 200), (1000, 1002)];

    public static TheoryData<ScalarType, bool> Cases() => new()
    {
        { ScalarType.Float32, true }, { ScalarType.Float32, false }, { ScalarType.BFloat16, true }, { ScalarType.BFloat16, false },
    };

    /// <summary>
    /// How far a float32-accumulated y = Σ_j w_j x_j + b may be from the exact value: γ_(n+1) · (Σ_j |w_j x_j| + |b|)
    /// (γ_k = k·u / (1 − k·u), u = 2⁻²⁴; the products are exact), plus, for a bfloat16 output, its one rounding
    /// (at most 2⁻⁸ relative, of a value that far from exact).
    /// </summary>
    private static Tensor Tolerance(Tensor x, Tensor w, Tensor? b, Tensor exact)
    {
        long n = x.shape[^1];
        double u = Math.Pow(2, -24), gamma = (n + 1) * u / (1 - (n + 1) * u);
        var magnitude = x.to(ScalarType.Float64).abs().matmul(w.to(ScalarType.Float64).abs().t());
        if (b is not null) magnitude = magnitude + b.to(ScalarType.Float64).abs();
        var tolerance = magnitude * gamma;
        if (x.dtype == ScalarType.BFloat16) tolerance = tolerance + (exact.abs() + tolerance) * Math.Pow(2, -8);
        return tolerance;
    }

    private static Tensor Exact(Tensor x, Tensor w, Tensor? b)
    {
        var y = x.to(ScalarType.Float64).matmul(w.to(ScalarType.Float64).t());
        return b is null ? y : y + b.to(ScalarType.Float64);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EqualsTheExactProductWithinFloat32AccumulationForEveryRowCount(ScalarType dtype, bool withBias)
    {
        using var _ = no_grad();
        foreach (var (outFeatures, inFeatures) in Shapes)
        {
            using var scope = NewDisposeScope();
            var generator = new Generator((ulong)(outFeatures + (withBias ? 1 : 0)));
            var w = randn([outFeatures, inFeatures], generator: generator).to(dtype);
            var b = withBias ? randn([outFeatures], generator: generator).to(dtype) : null;
            for (int rows = 1; rows <= FloatMatVec.MaxRows; rows++)
            {
                var x = randn([rows, 1, inFeatures], generator: generator).to(dtype);   // leading dims are flattened
                Assert.True(FloatMatVec.CanMultiply(x, w, b));
                var y = FloatMatVec.Multiply(x, w, b);
                Assert.Equal(dtype, y.dtype);
                Assert.Equal(new long[] { rows, 1, outFeatures }, y.shape);
                var exact = Exact(x, w, b);
                var tolerance = Tolerance(x, w, b, exact);
                TensorAssert.WithinElementwise(exact, y, tolerance, $"{dtype} bias={withBias} {outFeatures}x{inFeatures} rows={rows} vs exact");
                // torch's linear is within the same bound of the exact value, plus, in bfloat16, a rounding of the
                // product before it adds the bias (2⁻⁸ of the product's size), so the two are within the sum.
                var torchY = nn.functional.linear(x, w, b);
                var product = b is null ? exact : exact - b.to(ScalarType.Float64);
                var torchTolerance = tolerance * 2 + (dtype == ScalarType.BFloat16 ? product.abs() * Math.Pow(2, -8) : zeros_like(exact));
                TensorAssert.WithinElementwise(torchY, y, torchTolerance, $"{dtype} bias={withBias} {outFeatures}x{inFeatures} rows={rows} vs torch");
            }
        }
    }

    [Fact]
    public void TakesOnlyDecodeSizedCallsWithoutGradient()
    {
        using var scope = NewDisposeScope();
        var w = randn(16, 32);
        Assert.True(FloatMatVec.CanMultiply(randn(8, 32), w, null));
        Assert.False(FloatMatVec.CanMultiply(randn(9, 32), w, null));                      // prefill: torch's matmul
        Assert.False(FloatMatVec.CanMultiply(randn(1, 32).to(ScalarType.BFloat16), w, null));  // mixed dtypes
        Assert.False(FloatMatVec.CanMultiply(randn(1, 32).to(ScalarType.Float16), w.to(ScalarType.Float16), null));
        Assert.False(FloatMatVec.CanMultiply(randn(32, 2).t(), w, null));                  // not contiguous
        Assert.False(FloatMatVec.CanMultiply(randn(1, 31), w, null));                      // wrong width
        Assert.False(FloatMatVec.CanMultiply(randn(1, 32).requires_grad_(), w, null));     // training
        using (no_grad()) Assert.True(FloatMatVec.CanMultiply(randn(1, 32).requires_grad_(), w, null));
        Assert.Throws<ArgumentException>(() => FloatMatVec.Multiply(randn(9, 32), w, null));
    }

    [Fact]
    public void LinearGivesTheSameAsTorchForDecodeAndKeepsGradientsForTraining()
    {
        using var scope = NewDisposeScope();
        var linear = new ChatGlmLab.Modeling.Linear(40, 24, true, new ModuleFactory(ScalarType.Float32, CPU, ParameterInit.Random));
        var x = randn(2, 40);
        using (no_grad())
        {
            var y = linear.forward(x);
            var exact = Exact(x, linear.weight, linear.bias);
            TensorAssert.WithinElementwise(exact, y, Tolerance(x, linear.weight, linear.bias, exact), "Linear decode path");
        }
        // With gradients (training) the result is torch's and backward reaches the weight.
        var trained = linear.forward(x);
        trained.sum().backward();
        Assert.NotNull(linear.weight.grad);
    }
}
