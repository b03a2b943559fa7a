using static TorchSharp.torch;

namespace ChatGlmLab.Quantization;

/// <summary>
/// One reusable buffer per thread and dtype for the float weight a quantized linear computes with during prefill and
/// training. Each block linear dequantizes its matrix, multiplies and drops it; a fresh 30–130 MB tensor per call costs
/// either a page fault per page (glibc maps and unmaps blocks that large) or, with freed memory kept by the allocator,
/// a heap that fragments into many times the weights' size. Reusing one buffer sized for the largest matrix does
/// neither. What <see cref="Rent"/> returns is valid until the next call on the same thread: only for a matmul that is
/// done before then (never returned to a caller or saved for backward).
/// </summary>
internal static class DequantizationScratch
{
    [ThreadStatic] private static Dictionary<ScalarType, Tensor>? _buffers;

    /// <summary>A contiguous [rows, columns] view of this thread's buffer for <paramref name="dtype"/>, grown when too small.</summary>
    public static Tensor Rent(long rows, long columns, ScalarType dtype)
    {
        _buffers ??= new Dictionary<ScalarType, Tensor>();
        long needed = rows * columns;
        if (!_buffers.TryGetValue(dtype, out var buffer) || buffer.shape[0] < needed)
        {
            buffer?.Dispose();
            buffer = empty(needed, dtype).DetachFromDisposeScope();
            _buffers[dtype] = buffer;
        }
        return buffer.narrow(0, 0, needed).view(rows, columns);
    }
}
