using static TorchSharp.torch;

namespace ChatGlmLab.Kernels;

/// <summary>
/// How the CPU kernels (float and quantized matrix-vector products, dequantization, quantization) split a matrix's rows between threads: torch.get_num_threads() contiguous
/// ranges of equal size (torch is idle meanwhile, so as many workers as it would use), one range per worker, decided
/// up front. Rows cost the same, so a static partition balances as well as work stealing without its overhead.
/// </summary>
internal static class RowRanges
{
    /// <summary>
    /// Below this many weights per worker a second thread is not worth waking: 2¹⁸ int4 weights are ~10 µs of work,
    /// about what handing a range to a pool thread costs (an estimate, not tuned).
    /// </summary>
    private const long MinWeightsPerWorker = 1 << 18;

    /// <summary>Calls <paramref name="range"/>(first, end) over [0, <paramref name="rows"/>), in parallel when the matrix is large enough.</summary>
    public static void Run(int rows, long weightsPerRow, Action<int, int> range)
    {
        int workers = (int)Math.Clamp((long)rows * weightsPerRow / MinWeightsPerWorker, 1, Math.Max(1, get_num_threads()));
        if (workers == 1)
        {
            range(0, rows);
            return;
        }
        int chunk = (rows + workers - 1) / workers;
        Parallel.For(0, workers, w => range(Math.Min(rows, w * chunk), Math.Min(rows, (w + 1) * chunk)));
    }
}
