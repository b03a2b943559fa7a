using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace ChatGlmLab.Kernels;

/// <summary>Raw access to a tensor's memory for the CPU kernels (float and quantized matrix-vector products, decode attention).</summary>
internal static unsafe class TensorMemory
{
    /// <summary>
    /// The first byte of a contiguous CPU tensor's data. libtorch owns that memory and never moves it, so the
    /// pointer stays valid while the tensor is alive; <c>bytes</c> is a span over it, not a copy.
    /// </summary>
    public static byte* DataPointer(Tensor t) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));

    /// <summary>
    /// The first element of a CPU tensor that may be a strided view (a narrowed KV cache, a transposed query), whose
    /// <c>bytes</c> TorchSharp refuses. A one-element view at the same storage offset is contiguous and shares the memory.
    /// </summary>
    public static byte* ViewPointer(Tensor t)
    {
        using var first = t.as_strided([1], [1], t.storage_offset());
        return DataPointer(first);
    }
}
