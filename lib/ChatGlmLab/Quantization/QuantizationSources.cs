using ChatGlmLab.Kernels;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace ChatGlmLab.Quantization;

/// <summary>
/// What the float weight's dtype changes in <see cref="SymmetricRowQuantization"/>'s rule, for <see cref="QuantizationKernel"/>:
/// how its elements are read (widened exactly to float32), in which dtype torch computes the scale (<c>max / 127</c>) and
/// the ratio (<c>W / scale</c>), and what <c>nan_to_num</c> puts for an infinite ratio (the ratio dtype's largest value).
/// Each narrow-dtype operation is the float32 operation rounded once to that dtype, as torch's CPU kernels compute it.
/// Structs with static members: one compiled loop per dtype.
/// </summary>
internal unsafe interface IQuantizationSource
{
    static abstract ScalarType DType { get; }

    /// <summary>Bytes per weight element.</summary>
    static abstract int ElementSize { get; }

    /// <summary>Columns [column, column + 32) of a row as float32.</summary>
    static abstract void Load512(byte* row, int column, out Vector512<float> first, out Vector512<float> second);

    /// <summary>Columns [column, column + 16) of a row as float32.</summary>
    static abstract void Load256(byte* row, int column, out Vector256<float> first, out Vector256<float> second);

    /// <summary>One column of a row as float32.</summary>
    static abstract float Load(byte* row, int column);

    /// <summary>The float16 scale of a row whose largest magnitude is <paramref name="rowMax"/> (NaN if the row has one).</summary>
    static abstract Half Scale(float rowMax, int maxLevel);

    /// <summary>W / scale as torch computes it for this dtype, held in float32.</summary>
    static abstract Vector512<float> Ratio(Vector512<float> weight, Vector512<float> scale);

    /// <inheritdoc cref="Ratio(Vector512{float}, Vector512{float})"/>
    static abstract Vector256<float> Ratio(Vector256<float> weight, Vector256<float> scale);

    /// <inheritdoc cref="Ratio(Vector512{float}, Vector512{float})"/>
    static abstract float Ratio(float weight, float scale);

    /// <summary>The largest finite value of the ratio's dtype: what <c>nan_to_num</c> gives +infinity.</summary>
    static abstract float LargestRatio { get; }
}

/// <summary>float32 weights: max / 127 in float32, then rounded to float16; W / scale in float32.</summary>
internal unsafe struct Float32Source : IQuantizationSource
{
    public static ScalarType DType => ScalarType.Float32;
    public static int ElementSize => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load512(byte* row, int column, out Vector512<float> first, out Vector512<float> second)
    {
        first = Vector512.Load((float*)row + column);
        second = Vector512.Load((float*)row + column + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load256(byte* row, int column, out Vector256<float> first, out Vector256<float> second)
    {
        first = Vector256.Load((float*)row + column);
        second = Vector256.Load((float*)row + column + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(byte* row, int column) => ((float*)row)[column];

    public static Half Scale(float rowMax, int maxLevel) => (Half)(rowMax / maxLevel);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Ratio(Vector512<float> weight, Vector512<float> scale) => weight / scale;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Ratio(Vector256<float> weight, Vector256<float> scale) => weight / scale;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Ratio(float weight, float scale) => weight / scale;

    public static float LargestRatio => float.MaxValue;
}

/// <summary>
/// float16 weights (real checkpoints): max / 127 in float16; W / scale in float16 — the float32 quotient of the two exact
/// values rounded once to float16 (<see cref="Float16Rounding"/>), which is also the correctly rounded float16 quotient
/// (float32's 24 bits ≥ 2·11 + 2). An infinite float16 ratio (a zero scale) becomes ±65504 in nan_to_num.
/// </summary>
internal unsafe struct Float16Source : IQuantizationSource
{
    public static ScalarType DType => ScalarType.Float16;
    public static int ElementSize => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load512(byte* row, int column, out Vector512<float> first, out Vector512<float> second)
    {
        var (low, high) = Vector512.Widen(Vector512.Load((ushort*)row + column));
        first = Float16Rounding.FromBits(low);
        second = Float16Rounding.FromBits(high);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load256(byte* row, int column, out Vector256<float> first, out Vector256<float> second)
    {
        var (low, high) = Vector256.Widen(Vector256.Load((ushort*)row + column));
        first = Float16Rounding.FromBits(low);
        second = Float16Rounding.FromBits(high);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(byte* row, int column) => (float)((Half*)row)[column];

    public static Half Scale(float rowMax, int maxLevel) => (Half)(rowMax / maxLevel);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Ratio(Vector512<float> weight, Vector512<float> scale) => Float16Rounding.Round(weight / scale);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Ratio(Vector256<float> weight, Vector256<float> scale) => Float16Rounding.Round(weight / scale);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Ratio(float weight, float scale) => Float16Rounding.Round(weight / scale);

    public static float LargestRatio => 65504f;
}

/// <summary>
/// bfloat16 weights: max / 127 in bfloat16 (<see cref="BFloat16Rounding"/>), then rounded to float16; W / scale promotes
/// bfloat16 with float16 to float32, so the ratio is the float32 quotient.
/// </summary>
internal unsafe struct BFloat16Source : IQuantizationSource
{
    public static ScalarType DType => ScalarType.BFloat16;
    public static int ElementSize => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load512(byte* row, int column, out Vector512<float> first, out Vector512<float> second)
    {
        var (low, high) = Vector512.Widen(Vector512.Load((ushort*)row + column));
        first = BFloat16Rounding.FromBits(low);
        second = BFloat16Rounding.FromBits(high);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load256(byte* row, int column, out Vector256<float> first, out Vector256<float> second)
    {
        var (low, high) = Vector256.Widen(Vector256.Load((ushort*)row + column));
        first = BFloat16Rounding.FromBits(low);
        second = BFloat16Rounding.FromBits(high);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(byte* row, int column) => BFloat16Rounding.FromBits(((ushort*)row)[column]);

    public static Half Scale(float rowMax, int maxLevel) => (Half)BFloat16Rounding.Round(rowMax / maxLevel);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Ratio(Vector512<float> weight, Vector512<float> scale) => weight / scale;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Ratio(Vector256<float> weight, Vector256<float> scale) => weight / scale;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Ratio(float weight, float scale) => weight / scale;

    public static float LargestRatio => float.MaxValue;
}
