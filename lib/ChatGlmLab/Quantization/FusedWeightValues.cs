using ChatGlmLab.Kernels;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ChatGlmLab.Quantization;

/// <summary>
/// Which float the fused kernel multiplies an activation by for a stored level q of a row with scale s, so that
/// its result equals <see cref="DequantizationMode.Float32"/> dequantization followed by a matmul in the
/// activations' dtype (within float32 accumulation order). That mode's weight is W = float32(q) · float32(s),
/// exact (|q| ≤ 128 has 8 significant bits, s 11, the product 19 &lt; 24), then cast to the compute dtype.
/// </summary>
internal interface IFusedWeightValues
{
    /// <summary>The weight value for levels <paramref name="levels"/> (exact integers) and the row's scale.</summary>
    static abstract Vector512<float> Of(Vector512<float> levels, Vector512<float> scale);

    /// <inheritdoc cref="Of(Vector512{float}, Vector512{float})"/>
    static abstract Vector256<float> Of(Vector256<float> levels, Vector256<float> scale);

    /// <inheritdoc cref="Of(Vector512{float}, Vector512{float})"/>
    static abstract float Of(float level, float scale);

    /// <summary>What the row's sum of weight value × activation is multiplied by at the end.</summary>
    static abstract float SumFactor(float scale);
}

/// <summary>
/// float32 activations: the dequantized float32 weight is q·s exactly, so Σ (q·s)·x and s·Σ q·x are the same
/// real number and differ only by float32 rounding. The scale is applied once per row, after the sum.
/// </summary>
internal struct Float32WeightValues : IFusedWeightValues
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Of(Vector512<float> levels, Vector512<float> scale) => levels;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Of(Vector256<float> levels, Vector256<float> scale) => levels;
    public static float Of(float level, float scale) => level;
    public static float SumFactor(float scale) => scale;
}

/// <summary>
/// bfloat16 activations: the dequantized matrix is bfloat16(q·s), which is NOT q·s (bfloat16 keeps 8
/// significant bits of the 19), so the kernel rounds each product the same way before multiplying. The products
/// bfloat16 × bfloat16 are then exact in float32, and only the float32 accumulation order differs from the
/// bfloat16 matmul (which accumulates in float32 too).
/// </summary>
internal struct BFloat16WeightValues : IFusedWeightValues
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Of(Vector512<float> levels, Vector512<float> scale) => BFloat16Rounding.Round(levels * scale);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Of(Vector256<float> levels, Vector256<float> scale) => BFloat16Rounding.Round(levels * scale);
    public static float Of(float level, float scale) => BFloat16Rounding.Round(level * scale);
    public static float SumFactor(float scale) => 1f;
}
