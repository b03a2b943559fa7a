using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatGlmLab.Quantization;

/// <summary>
/// Reads a block of one stored weight row (int8 levels, or int4 packed two per byte) as two float vectors of
/// its integer levels (exact in float32). A block is 32 columns for Vector512 and 16 for Vector256.
/// <para>int8: natural column order (first vector = the block's first half of columns).</para>
/// <para>int4: byte j holds column 2j in its high nibble and 2j+1 in its low nibble (<see cref="Int4Packing"/>).
/// Sign-extending the block's bytes to int32 lanes gives the even columns by an arithmetic shift right by 4 and
/// the odd columns by shifting the low nibble to the top and back, with no shuffle in the hot loop. So the first
/// vector holds the block's even columns and the second its odd ones; <see cref="QuantizedMatVec"/> lays the
/// activations out in the same order once per call (<see cref="EvenOddBlocks"/>). <see cref="DequantizationKernel"/>,
/// which writes the columns out, uses the <c>InColumnOrder</c> members, which interleave them back.</para>
/// <see cref="QuantizationKernel"/> writes the layout with the <c>Pack</c> members (column order in, stored bytes out).
/// Implemented as structs with static members so that the JIT compiles one specialised loop per layout.
/// </summary>
internal unsafe interface IPackedWeightBlocks
{
    /// <summary>Quantization bits of the layout (4 or 8).</summary>
    static abstract int Bits { get; }

    /// <summary>True when a block's first vector holds its even columns and the second its odd ones (int4).</summary>
    static abstract bool EvenOddBlocks { get; }

    /// <summary>Unpacks the 32 columns starting at byte <paramref name="block"/> of a row.</summary>
    static abstract void Unpack512(byte* block, out Vector512<float> first, out Vector512<float> second);

    /// <summary>Unpacks the 16 columns starting at byte <paramref name="block"/> of a row.</summary>
    static abstract void Unpack256(byte* block, out Vector256<float> first, out Vector256<float> second);

    /// <summary>As <see cref="Unpack512"/>, with the 32 columns in their natural order (first vector = columns 0..15).</summary>
    static abstract void Unpack512InColumnOrder(byte* block, out Vector512<float> first, out Vector512<float> second);

    /// <summary>As <see cref="Unpack256"/>, with the 16 columns in their natural order (first vector = columns 0..7).</summary>
    static abstract void Unpack256InColumnOrder(byte* block, out Vector256<float> first, out Vector256<float> second);

    /// <summary>The signed level of column <paramref name="column"/> of a row (the scalar form of the same rule).</summary>
    static abstract int Level(byte* row, int column);

    /// <summary>
    /// The inverse of <see cref="Unpack512InColumnOrder"/> for <see cref="QuantizationKernel"/>: stores the 32 levels of a block
    /// (int32 lanes in column order, first = columns 0..15) at byte <paramref name="block"/> of a row. Only each level's low
    /// 8 bits (int8) or low 4 bits (int4) are kept, which is the wraparound torch's int8 cast and int4 packing give.
    /// </summary>
    static abstract void Pack512(byte* block, Vector512<int> first, Vector512<int> second);

    /// <summary>As <see cref="Pack512"/> for the 16 levels of a Vector256 block (first = columns 0..7).</summary>
    static abstract void Pack256(byte* block, Vector256<int> first, Vector256<int> second);

    /// <summary>Stores one level (the scalar form of <see cref="Pack512"/>); int4 leaves the column's neighbour nibble as it is.</summary>
    static abstract void StoreLevel(byte* row, int column, int level);
}

/// <summary>int4, two columns per byte (16 bytes per Vector512 block, 8 per Vector256 block).</summary>
internal unsafe struct Int4Blocks : IPackedWeightBlocks
{
    public static int Bits => 4;
    public static bool EvenOddBlocks => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unpack512(byte* block, out Vector512<float> first, out Vector512<float> second)
    {
        var bytes = Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)block));   // 16 bytes, sign-extended
        first = Vector512.ConvertToSingle(Vector512.ShiftRightArithmetic(bytes, 4));      // high nibbles: even columns
        second = Vector512.ConvertToSingle(Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(bytes, 28), 28)); // low: odd
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unpack256(byte* block, out Vector256<float> first, out Vector256<float> second)
    {
        var bytes = Avx2.ConvertToVector256Int32((sbyte*)block);                          // 8 bytes, sign-extended
        first = Vector256.ConvertToSingle(Vector256.ShiftRightArithmetic(bytes, 4));
        second = Vector256.ConvertToSingle(Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(bytes, 28), 28));
    }

    // Lane i of the result takes lane (index & 15) of the even vector (index < 16) or of the odd one (index >= 16):
    // even 0, odd 0, even 1, odd 1, ... — columns 0..15, then columns 16..31.
    private static readonly Vector512<int> FirstHalfColumns = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    private static readonly Vector512<int> SecondHalfColumns = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unpack512InColumnOrder(byte* block, out Vector512<float> first, out Vector512<float> second)
    {
        Unpack512(block, out var even, out var odd);
        first = Avx512F.PermuteVar16x32x2(even, FirstHalfColumns, odd);
        second = Avx512F.PermuteVar16x32x2(even, SecondHalfColumns, odd);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unpack256InColumnOrder(byte* block, out Vector256<float> first, out Vector256<float> second)
    {
        Unpack256(block, out var even, out var odd);
        // unpacklo/hi interleave within each 128-bit lane: low = columns 0-3 | 8-11, high = columns 4-7 | 12-15.
        var low = Avx.UnpackLow(even, odd);
        var high = Avx.UnpackHigh(even, odd);
        first = Avx.Permute2x128(low, high, 0x20);    // low lane of each: columns 0..7
        second = Avx.Permute2x128(low, high, 0x31);   // high lane of each: columns 8..15
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Level(byte* row, int column)
    {
        byte packed = row[column >> 1];
        return (column & 1) == 0 ? (sbyte)packed >> 4 : (sbyte)(packed << 4) >> 4;   // high nibble even, low odd; sign-extended
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pack512(byte* block, Vector512<int> first, Vector512<int> second)
    {
        // 16 bytes: one per column pair, narrowed from the pairs' 64-bit lanes.
        var bytes = Vector512.Narrow(Pairs(first.AsInt64()), Pairs(second.AsInt64()));
        Avx512F.ConvertToVector128SByte(bytes).Store((sbyte*)block);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pack256(byte* block, Vector256<int> first, Vector256<int> second)
    {
        var bytes = Vector256.Narrow(Pairs(first.AsInt64()), Pairs(second.AsInt64()));   // 8 ints, one byte value each
        var shorts = Vector128.Narrow(bytes.GetLower(), bytes.GetUpper());
        Unsafe.WriteUnaligned(block, Vector128.Narrow(shorts, shorts).AsUInt64().ToScalar());   // the first 8 bytes
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreLevel(byte* row, int column, int level)
    {
        byte* at = row + (column >> 1);
        *at = (column & 1) == 0 ? (byte)((*at & 0x0F) | (level << 4)) : (byte)((*at & 0xF0) | (level & 0x0F));
    }

    // A 64-bit lane holds an even column in its low half and the next odd column in its high half (little-endian):
    // the packed byte (q[2j] << 4) | (q[2j+1] & 0x0F) lands in the lane's low byte.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<long> Pairs(Vector512<long> pair) =>
        ((pair << 4) & Vector512.Create(0xF0L)) | (Vector512.ShiftRightLogical(pair, 32) & Vector512.Create(0x0FL));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<long> Pairs(Vector256<long> pair) =>
        ((pair << 4) & Vector256.Create(0xF0L)) | (Vector256.ShiftRightLogical(pair, 32) & Vector256.Create(0x0FL));
}

/// <summary>int8, one column per byte (32 bytes per Vector512 block, 16 per Vector256 block).</summary>
internal unsafe struct Int8Blocks : IPackedWeightBlocks
{
    public static int Bits => 8;
    public static bool EvenOddBlocks => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unpack512(byte* block, out Vector512<float> first, out Vector512<float> second)
    {
        first = Vector512.ConvertToSingle(Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)block)));
        second = Vector512.ConvertToSingle(Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)block + 16)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unpack256(byte* block, out Vector256<float> first, out Vector256<float> second)
    {
        first = Vector256.ConvertToSingle(Avx2.ConvertToVector256Int32((sbyte*)block));
        second = Vector256.ConvertToSingle(Avx2.ConvertToVector256Int32((sbyte*)block + 8));
    }

    /// <summary>int8 blocks are already in column order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unpack512InColumnOrder(byte* block, out Vector512<float> first, out Vector512<float> second) =>
        Unpack512(block, out first, out second);

    /// <inheritdoc cref="Unpack512InColumnOrder"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unpack256InColumnOrder(byte* block, out Vector256<float> first, out Vector256<float> second) =>
        Unpack256(block, out first, out second);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Level(byte* row, int column) => (sbyte)row[column];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pack512(byte* block, Vector512<int> first, Vector512<int> second)
    {
        Avx512F.ConvertToVector128SByte(first).Store((sbyte*)block);         // vpmovdb: low byte of each lane
        Avx512F.ConvertToVector128SByte(second).Store((sbyte*)block + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pack256(byte* block, Vector256<int> first, Vector256<int> second)
    {
        var shorts = Vector256.Narrow(first, second);                        // Narrow keeps the low bits (no saturation)
        Vector128.Narrow(shorts.GetLower(), shorts.GetUpper()).Store((sbyte*)block);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreLevel(byte* row, int column, int level) => row[column] = (byte)level;
}
