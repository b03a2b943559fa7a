using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Kernels;

/// <summary>
/// The activations of a decode-sized call as float32, in one buffer per calling thread reused across calls (each kernel
/// stages, then runs to completion before it returns, so the float and the quantized matrix-vector products share it).
/// </summary>
internal static unsafe class StagedActivations
{
    [ThreadStatic] private static float[]? buffer;

    /// <summary>
    /// Copies x ([rows, inFeatures] after flattening) into the buffer, bfloat16 widened exactly. With
    /// <paramref name="evenOddBlockColumns"/> &gt; 0 (the int4 vector kernels) each whole block of that many columns is
    /// stored even columns first, then odd ones, the order in which the int4 kernel unpacks a block; the columns after
    /// the last whole block stay in order.
    /// </summary>
    public static float* Stage(Tensor x, int rows, int inFeatures, int evenOddBlockColumns = 0)
    {
        int count = rows * inFeatures;
        if (buffer is null || buffer.Length < count)
            buffer = GC.AllocateUninitializedArray<float>(count, pinned: true);   // pinned: its address is stable
        float* staged = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        byte* source = TensorMemory.DataPointer(x);
        bool bf16 = x.dtype == ScalarType.BFloat16;
        int block = evenOddBlockColumns, half = block / 2;
        int permuted = block == 0 ? 0 : inFeatures / block * block;
        for (int r = 0; r < rows; r++)
        {
            long rowStart = (long)r * inFeatures;
            for (int c = 0; c < inFeatures; c++)
            {
                float v = bf16 ? BFloat16Rounding.FromBits(((ushort*)source)[rowStart + c]) : ((float*)source)[rowStart + c];
                int k = block == 0 ? 0 : c % block;
                int at = c < permuted ? c - k + k / 2 + (k & 1) * half : c;
                staged[rowStart + at] = v;
            }
        }
        return staged;
    }
}
