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
/// activations out in the same order once per call (<see cref="EvenOddBlocks"/>).</para>
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
}
