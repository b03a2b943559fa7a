using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatGlmLab.Quantization;

/// <summary>
/// The inner loop of <see cref="QuantizedMatVec"/>: Σ_j value(q[j]) · x[j] over one stored weight row, reading
/// each packed byte once. The vector variants cover whole blocks of columns; the columns after the last whole
/// block (and every column for <see cref="QuantizedKernelVariant.Scalar"/>) go through the scalar loop.
/// </summary>
internal static unsafe class QuantizedRowDot
{
    /// <summary>
    /// One row's sum. <paramref name="x"/> holds <paramref name="inFeatures"/> float32 activations, the whole
    /// blocks laid out as <typeparamref name="TBlocks"/> unpacks them (even/odd for int4), the rest in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot<TBlocks, TValues>(QuantizedKernelVariant variant, byte* row, float* x, int inFeatures, float scale)
        where TBlocks : struct, IPackedWeightBlocks where TValues : struct, IFusedWeightValues
    {
        int blockColumns = QuantizedKernelVariants.BlockColumns(variant);
        int blocks = blockColumns == 0 ? 0 : inFeatures / blockColumns;
        float sum = variant switch
        {
            QuantizedKernelVariant.Vector512 when TBlocks.Bits == 4 => Dot512Int4<TValues>(row, x, blocks, scale),
            QuantizedKernelVariant.Vector512 => Dot512<TBlocks, TValues>(row, x, blocks, scale),
            QuantizedKernelVariant.Vector256 => Dot256<TBlocks, TValues>(row, x, blocks, scale),
            _ => 0f,
        };
        return sum + DotScalar<TBlocks, TValues>(row, x, blocks * blockColumns, inFeatures, scale);
    }

    private static float Dot512<TBlocks, TValues>(byte* row, float* x, int blocks, float scale)
        where TBlocks : struct, IPackedWeightBlocks where TValues : struct, IFusedWeightValues
    {
        int bytesPerBlock = 32 * TBlocks.Bits / 8;
        var s = Vector512.Create(scale);
        // Four independent FMA chains (two blocks per iteration): with one chain per half-block the loop waits on
        // the FMA latency rather than on the unpacking.
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int b = 0;
        for (; b + 2 <= blocks; b += 2, row += 2 * bytesPerBlock, x += 64)
        {
            TBlocks.Unpack512(row, out var w0, out var w1);
            TBlocks.Unpack512(row + bytesPerBlock, out var w2, out var w3);
            a0 = Vector512.FusedMultiplyAdd(TValues.Of(w0, s), Vector512.Load(x), a0);
            a1 = Vector512.FusedMultiplyAdd(TValues.Of(w1, s), Vector512.Load(x + 16), a1);
            a2 = Vector512.FusedMultiplyAdd(TValues.Of(w2, s), Vector512.Load(x + 32), a2);
            a3 = Vector512.FusedMultiplyAdd(TValues.Of(w3, s), Vector512.Load(x + 48), a3);
        }
        if (b < blocks)
        {
            TBlocks.Unpack512(row, out var w0, out var w1);
            a0 = Vector512.FusedMultiplyAdd(TValues.Of(w0, s), Vector512.Load(x), a0);
            a1 = Vector512.FusedMultiplyAdd(TValues.Of(w1, s), Vector512.Load(x + 16), a1);
        }
        return Vector512.Sum((a0 + a1) + (a2 + a3));
    }

    /// <summary>The level each int4 nibble stands for (two's complement), nibble 0..15 in lane order.</summary>
    private static readonly Vector512<float> LevelOfNibble = Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1);

    /// <summary>
    /// <see cref="Dot512{TBlocks, TValues}"/> for int4, by table: a row has only 16 distinct weight values, so they are
    /// computed once per row (<typeparamref name="TValues"/>.Of of the 16 levels, one register) and each nibble indexes
    /// them (vpermps) instead of being converted and, for bfloat16, multiplied and rounded one by one. Why: with the
    /// per-weight rounding the bfloat16 kernel was compute-bound at ~3× the memory limit at real size; by table it does
    /// a zero-extension, one shift and two permutes per 32 weights. The values and the FMA chains are those of
    /// Dot512 with <see cref="Int4Blocks.Unpack512"/>, so the sums are bit-identical.
    /// </summary>
    private static float Dot512Int4<TValues>(byte* row, float* x, int blocks, float scale) where TValues : struct, IFusedWeightValues
    {
        var values = TValues.Of(LevelOfNibble, Vector512.Create(scale));
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int b = 0;
        for (; b + 2 <= blocks; b += 2, row += 32, x += 64)
        {
            // vpermps reads only the low 4 bits of each index: a zero-extended byte indexes by its low nibble (odd
            // column) as it is, and by its high nibble (even column) after a shift.
            var bytes0 = Avx512F.ConvertToVector512Int32(Vector128.Load(row));
            var bytes1 = Avx512F.ConvertToVector512Int32(Vector128.Load(row + 16));
            a0 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32(values, Vector512.ShiftRightLogical(bytes0, 4)), Vector512.Load(x), a0);
            a1 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32(values, bytes0), Vector512.Load(x + 16), a1);
            a2 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32(values, Vector512.ShiftRightLogical(bytes1, 4)), Vector512.Load(x + 32), a2);
            a3 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32(values, bytes1), Vector512.Load(x + 48), a3);
        }
        if (b < blocks)
        {
            var bytes0 = Avx512F.ConvertToVector512Int32(Vector128.Load(row));
            a0 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32(values, Vector512.ShiftRightLogical(bytes0, 4)), Vector512.Load(x), a0);
            a1 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32(values, bytes0), Vector512.Load(x + 16), a1);
        }
        return Vector512.Sum((a0 + a1) + (a2 + a3));
    }

    private static float Dot256<TBlocks, TValues>(byte* row, float* x, int blocks, float scale)
        where TBlocks : struct, IPackedWeightBlocks where TValues : struct, IFusedWeightValues
    {
        int bytesPerBlock = 16 * TBlocks.Bits / 8;
        var s = Vector256.Create(scale);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;   // as Dot512: four FMA chains
        int b = 0;
        for (; b + 2 <= blocks; b += 2, row += 2 * bytesPerBlock, x += 32)
        {
            TBlocks.Unpack256(row, out var w0, out var w1);
            TBlocks.Unpack256(row + bytesPerBlock, out var w2, out var w3);
            a0 = Vector256.FusedMultiplyAdd(TValues.Of(w0, s), Vector256.Load(x), a0);
            a1 = Vector256.FusedMultiplyAdd(TValues.Of(w1, s), Vector256.Load(x + 8), a1);
            a2 = Vector256.FusedMultiplyAdd(TValues.Of(w2, s), Vector256.Load(x + 16), a2);
            a3 = Vector256.FusedMultiplyAdd(TValues.Of(w3, s), Vector256.Load(x + 24), a3);
        }
        if (b < blocks)
        {
            TBlocks.Unpack256(row, out var w0, out var w1);
            a0 = Vector256.FusedMultiplyAdd(TValues.Of(w0, s), Vector256.Load(x), a0);
            a1 = Vector256.FusedMultiplyAdd(TValues.Of(w1, s), Vector256.Load(x + 8), a1);
        }
        return Vector256.Sum((a0 + a1) + (a2 + a3));
    }

    private static float DotScalar<TBlocks, TValues>(byte* row, float* x, int from, int to, float scale)
        where TBlocks : struct, IPackedWeightBlocks where TValues : struct, IFusedWeightValues
    {
        float sum = 0f;
        for (int c = from; c < to; c++) sum += TValues.Of(TBlocks.Level(row, c), scale) * x[c];
        return sum;
    }
}
