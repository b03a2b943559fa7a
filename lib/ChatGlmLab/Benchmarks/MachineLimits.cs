using System.Diagnostics;
using static TorchSharp.torch;

namespace ChatGlmLab.Benchmarks;

/// <summary>
/// What this machine can do at most, measured the way the model uses it: memory bandwidth (bytes copied per second in a
/// large tensor copy, i.e. each byte read once and written once) bounds batch-1 decoding, which reads every weight once
/// per token; matmul
/// throughput at a compute dtype bounds prefill and training. Figures are the best of a few runs with the
/// current torch thread count.
/// </summary>
public sealed record MachineLimits(double CopyGBPerSecond, double Float32GFlops, double BFloat16GFlops)
{
    public static MachineLimits Measure(int bytes = 1 << 30, int repeats = 5)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var src = empty(bytes / 4, ScalarType.Float32).fill_(1);
        var dst = empty_like(src);
        double copy = Best(repeats, () => dst.copy_(src));
        return new MachineLimits((double)bytes / copy / 1e9, MatmulGFlops(ScalarType.Float32, repeats), MatmulGFlops(ScalarType.BFloat16, repeats));
    }

    public double GFlops(ScalarType dtype) => dtype is ScalarType.BFloat16 or ScalarType.Float16 ? BFloat16GFlops : Float32GFlops;

    /// <summary>A [256 × 4096] by [4096 × 4096] product, the shape of a prefill or training step through one block linear.</summary>
    private static double MatmulGFlops(ScalarType dtype, int repeats)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        const long m = 256, k = 4096, n = 4096;
        var a = randn(m, k).to(dtype);
        var b = randn(n, k).to(dtype);
        double seconds = Best(repeats, () => nn.functional.linear(a, b).Dispose());
        return 2.0 * m * k * n / seconds / 1e9;
    }

    private static double Best(int repeats, Action run)
    {
        run();
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            run();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }
}
