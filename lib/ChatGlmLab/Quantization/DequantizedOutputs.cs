using ChatGlmLab.Kernels;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ChatGlmLab.Quantization;

/// <summary>
/// Stores dequantized weights (float32 values of the product dtype, see <see cref="IDequantizedProducts"/>) into the
/// output matrix in the compute dtype, rounding once to nearest even as torch's <c>.to(dtype)</c> does. Structs with
/// static members: one compiled loop per output dtype in <see cref="DequantizationKernel"/>.
/// </summary>
internal unsafe interface IDequantizedOutputs
{
    /// <summary>Bytes per output element.</summary>
    static abstract int ElementSize { get; }

    /// <summary>Stores 32 consecutive columns starting at element <paramref name="column"/> of <paramref name="row"/>.</summary>
    static abstract void Store(byte* row, int column, Vector512<float> first, Vector512<float> second);

    /// <summary>Stores 16 consecutive columns starting at element <paramref name="column"/> of <paramref name="row"/>.</summary>
    static abstract void Store(byte* row, int column, Vector256<float> first, Vector256<float> second);

    /// <summary>Stores one element.</summary>
    static abstract void Store(byte* row, int column, float value);
}

/// <summary>float32 output: the value itself.</summary>
internal unsafe struct Float32Outputs : IDequantizedOutputs
{
    public static int ElementSize => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* row, int column, Vector512<float> first, Vector512<float> second)
    {
        float* at = (float*)row + column;
        first.Store(at);
        second.Store(at + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* row, int column, Vector256<float> first, Vector256<float> second)
    {
        float* at = (float*)row + column;
        first.Store(at);
        second.Store(at + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* row, int column, float value) => ((float*)row)[column] = value;
}

/// <summary>
/// bfloat16 output, rounded to nearest even (<see cref="BFloat16Rounding"/>, torch's rule). A NaN (only from a NaN or
/// infinite scale) stays a NaN: the vector form keeps its upper 16 bits, the scalar form gives 0x7FC0 as c10 does.
/// </summary>
internal unsafe struct BFloat16Outputs : IDequantizedOutputs
{
    public static int ElementSize => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* row, int column, Vector512<float> first, Vector512<float> second) =>
        Vector512.Narrow(Bits(first), Bits(second)).Store((ushort*)row + column);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* row, int column, Vector256<float> first, Vector256<float> second) =>
        Vector256.Narrow(Bits(first), Bits(second)).Store((ushort*)row + column);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* row, int column, float value) => ((ushort*)row)[column] = BFloat16Rounding.ToBits(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Bits(Vector512<float> value) =>
        Vector512.ConditionalSelect(Vector512.Equals(value, value).AsUInt32(), BFloat16Rounding.Round(value).AsUInt32(), value.AsUInt32()) >> 16;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Bits(Vector256<float> value) =>
        Vector256.ConditionalSelect(Vector256.Equals(value, value).AsUInt32(), BFloat16Rounding.Round(value).AsUInt32(), value.AsUInt32()) >> 16;
}

/// <summary>float16 output, rounded to nearest even (<see cref="Float16Rounding"/>; exact when the value already is a float16).</summary>
internal unsafe struct Float16Outputs : IDequantizedOutputs
{
    public static int ElementSize => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* row, int column, Vector512<float> first, Vector512<float> second) =>
        Vector512.Narrow(Float16Rounding.BitsOfRounded(Float16Rounding.Round(first)), Float16Rounding.BitsOfRounded(Float16Rounding.Round(second)))
            .Store((ushort*)row + column);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* row, int column, Vector256<float> first, Vector256<float> second) =>
        Vector256.Narrow(Float16Rounding.BitsOfRounded(Float16Rounding.Round(first)), Float16Rounding.BitsOfRounded(Float16Rounding.Round(second)))
            .Store((ushort*)row + column);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* row, int column, float value) => ((ushort*)row)[column] = Float16Rounding.ToBits(value);
}
