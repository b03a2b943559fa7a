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
            QuantizedKernelVariant.Vector256 when TBlocks.Bits == 4 => Dot256Int4<TValues>(row, x, blocks, scale),
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

    /// <summary>
    /// <see cref="Dot"/> for four consecutive rows of an int4 weight (<paramref name="rowBytes"/> apart) and one activation
    /// row, with Vector512: each block of x is loaded once for the four rows. Why: in a decode step x is one row and the
    /// kernel's loads of it (8× the bytes of the packed weight, from L2 when x has 16384 columns) were what kept
    /// dense_4h_to_h at half the speed of dense_h_to_4h, which reads as many weight bytes. Used only for long rows
    /// (<see cref="QuantizedMatVec.FourRowMinColumns"/>): when x fits in L1 the one-row loop is faster. Each row's sum runs exactly
    /// as <see cref="Dot512Int4{TValues}"/> and the scalar tail run it (same values, same four chains in the same order),
    /// so the four sums are bit-identical to four <see cref="Dot"/> calls.
    /// </summary>
    public static void Dot4RowsInt4<TValues>(byte* row, long rowBytes, float* x, int inFeatures, float* scales, float* sums)
        where TValues : struct, IFusedWeightValues
    {
        int blocks = inFeatures / 32;
        var v0 = TValues.Of(LevelOfNibble, Vector512.Create(scales[0]));
        var v1 = TValues.Of(LevelOfNibble, Vector512.Create(scales[1]));
        var v2 = TValues.Of(LevelOfNibble, Vector512.Create(scales[2]));
        var v3 = TValues.Of(LevelOfNibble, Vector512.Create(scales[3]));
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        byte* r0 = row, r1 = row + rowBytes, r2 = row + 2 * rowBytes, r3 = row + 3 * rowBytes;
        float* xb = x;
        int b = 0;
        for (; b + 2 <= blocks; b += 2, r0 += 32, r1 += 32, r2 += 32, r3 += 32, xb += 64)
        {
            var x0 = Vector512.Load(xb);
            var x1 = Vector512.Load(xb + 16);
            var x2 = Vector512.Load(xb + 32);
            var x3 = Vector512.Load(xb + 48);
            Step(v0, r0, x0, x1, x2, x3, ref a00, ref a01, ref a02, ref a03);
            Step(v1, r1, x0, x1, x2, x3, ref a10, ref a11, ref a12, ref a13);
            Step(v2, r2, x0, x1, x2, x3, ref a20, ref a21, ref a22, ref a23);
            Step(v3, r3, x0, x1, x2, x3, ref a30, ref a31, ref a32, ref a33);
        }
        if (b < blocks)
        {
            var x0 = Vector512.Load(xb);
            var x1 = Vector512.Load(xb + 16);
            Half(v0, r0, x0, x1, ref a00, ref a01);
            Half(v1, r1, x0, x1, ref a10, ref a11);
            Half(v2, r2, x0, x1, ref a20, ref a21);
            Half(v3, r3, x0, x1, ref a30, ref a31);
        }
        int done = blocks * 32;
        sums[0] = Vector512.Sum((a00 + a01) + (a02 + a03)) + DotScalar<Int4Blocks, TValues>(row, x, done, inFeatures, scales[0]);
        sums[1] = Vector512.Sum((a10 + a11) + (a12 + a13)) + DotScalar<Int4Blocks, TValues>(row + rowBytes, x, done, inFeatures, scales[1]);
        sums[2] = Vector512.Sum((a20 + a21) + (a22 + a23)) + DotScalar<Int4Blocks, TValues>(row + 2 * rowBytes, x, done, inFeatures, scales[2]);
        sums[3] = Vector512.Sum((a30 + a31) + (a32 + a33)) + DotScalar<Int4Blocks, TValues>(row + 3 * rowBytes, x, done, inFeatures, scales[3]);

        // The loop body of Dot512Int4 for one row: two blocks, four chains.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Step(Vector512<float> values, byte* at, Vector512<float> x0, Vector512<float> x1, Vector512<float> x2, Vector512<float> x3,
            ref Vector512<float> a0, ref Vector512<float> a1, ref Vector512<float> a2, ref Vector512<float> a3)
        {
            var bytes0 = Avx512F.ConvertToVector512Int32(Vector128.Load(at));
            var bytes1 = Avx512F.ConvertToVector512Int32(Vector128.Load(at + 16));
            a0 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32(values, Vector512.ShiftRightLogical(bytes0, 4)), x0, a0);
            a1 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32(values, bytes0), x1, a1);
            a2 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32(values, Vector512.ShiftRightLogical(bytes1, 4)), x2, a2);
            a3 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32(values, bytes1), x3, a3);
        }

        // Its last odd block.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Half(Vector512<float> values, byte* at, Vector512<float> x0, Vector512<float> x1, ref Vector512<float> a0, ref Vector512<float> a1)
        {
            var bytes0 = Avx512F.ConvertToVector512Int32(Vector128.Load(at));
            a0 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32(values, Vector512.ShiftRightLogical(bytes0, 4)), x0, a0);
            a1 = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32(values, bytes0), x1, a1);
        }
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

    /// <summary>The levels of nibbles 0..7 and 8..15 (two's complement): AVX2's vpermps indexes 8 lanes, so Vector256 keeps two tables.</summary>
    private static readonly Vector256<float> LevelOfNibble0To7 = Vector256.Create(0f, 1, 2, 3, 4, 5, 6, 7);
    private static readonly Vector256<float> LevelOfNibble8To15 = Vector256.Create(-8f, -7, -6, -5, -4, -3, -2, -1);

    /// <summary>
    /// <see cref="Dot256{TBlocks, TValues}"/> for int4, by table, as <see cref="Dot512Int4{TValues}"/> is for AVX-512: the
    /// row's 16 values are computed once, and each nibble looks up both 8-value tables by its low 3 bits and takes one by
    /// its bit 3 (moved to the sign bit, which vblendvps reads), instead of converting, multiplying and (bfloat16) rounding
    /// each weight. Measured side by side on an AMD EPYC without AVX-512 (Zen 3, 2 threads, bf16 activations, chatglm-6b's
    /// query_key_value, dense_h_to_4h and dense_4h_to_h shapes; medians): 6.3–6.5 GB/s of packed weights against 5.7–6.0
    /// per weight. Both are compute-bound at about a third of that machine's read bandwidth (INT4 decode stays at 2–2.6×
    /// its limit there; not profiled further). The values and the FMA chains are Dot256's with
    /// <see cref="Int4Blocks.Unpack256"/>, so the sums are bit-identical (checked on a 300 × 4104 layer, float32 and bf16).
    /// </summary>
    private static float Dot256Int4<TValues>(byte* row, float* x, int blocks, float scale) where TValues : struct, IFusedWeightValues
    {
        var s = Vector256.Create(scale);
        var low = TValues.Of(LevelOfNibble0To7, s);
        var high = TValues.Of(LevelOfNibble8To15, s);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int b = 0;
        for (; b + 2 <= blocks; b += 2, row += 16, x += 32)
        {
            var bytes0 = Avx2.ConvertToVector256Int32(row);   // zero-extended
            var bytes1 = Avx2.ConvertToVector256Int32(row + 8);
            a0 = Vector256.FusedMultiplyAdd(EvenColumns(low, high, bytes0), Vector256.Load(x), a0);
            a1 = Vector256.FusedMultiplyAdd(OddColumns(low, high, bytes0), Vector256.Load(x + 8), a1);
            a2 = Vector256.FusedMultiplyAdd(EvenColumns(low, high, bytes1), Vector256.Load(x + 16), a2);
            a3 = Vector256.FusedMultiplyAdd(OddColumns(low, high, bytes1), Vector256.Load(x + 24), a3);
        }
        if (b < blocks)
        {
            var bytes0 = Avx2.ConvertToVector256Int32(row);
            a0 = Vector256.FusedMultiplyAdd(EvenColumns(low, high, bytes0), Vector256.Load(x), a0);
            a1 = Vector256.FusedMultiplyAdd(OddColumns(low, high, bytes0), Vector256.Load(x + 8), a1);
        }
        return Vector256.Sum((a0 + a1) + (a2 + a3));

        // The even column's nibble is the byte's high one: indexed after >> 4, its bit 3 (the byte's bit 7) to the sign by << 24.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector256<float> EvenColumns(Vector256<float> low, Vector256<float> high, Vector256<int> bytes) =>
            Lookup(low, high, Vector256.ShiftRightLogical(bytes, 4), Vector256.ShiftLeft(bytes, 24));

        // The odd column's nibble is the low one: indexed as it is (vpermps reads 3 bits), its bit 3 to the sign by << 28.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector256<float> OddColumns(Vector256<float> low, Vector256<float> high, Vector256<int> bytes) =>
            Lookup(low, high, bytes, Vector256.ShiftLeft(bytes, 28));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector256<float> Lookup(Vector256<float> low, Vector256<float> high, Vector256<int> index, Vector256<int> bit3AtSign) =>
            Avx.BlendVariable(Avx2.PermuteVar8x32(low, index), Avx2.PermuteVar8x32(high, index), bit3AtSign.AsSingle());
    }

    private static float DotScalar<TBlocks, TValues>(byte* row, float* x, int from, int to, float scale)
        where TBlocks : struct, IPackedWeightBlocks where TValues : struct, IFusedWeightValues
    {
        float sum = 0f;
        for (int c = from; c < to; c++) sum += TValues.Of(TBlocks.Level(row, c), scale) * x[c];
        return sum;
    }
}
