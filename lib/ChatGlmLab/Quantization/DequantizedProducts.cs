using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ChatGlmLab.Quantization;

/// <summary>
/// The value a <see cref="DequantizationMode"/> gives a weight, from the exact float32 product q·s (|q| ≤ 128 has at
/// most 8 significant bits and a float16 or bfloat16 scale at most 11, so the product is exact; a float32 scale is
/// multiplied with one float32 rounding, as torch's float32 multiply). Structs with static members: one compiled
/// loop per mode in <see cref="DequantizationKernel"/>.
/// </summary>
internal interface IDequantizedProducts
{
    /// <summary>The product dtype's value of q·s, as a float32.</summary>
    static abstract Vector512<float> Of(Vector512<float> product);

    /// <inheritdoc cref="Of(Vector512{float})"/>
    static abstract Vector256<float> Of(Vector256<float> product);

    /// <inheritdoc cref="Of(Vector512{float})"/>
    static abstract float Of(float product);
}

/// <summary><see cref="DequantizationMode.Float32"/>: float32(q) · float32(s) is the weight.</summary>
internal struct Float32Products : IDequantizedProducts
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Of(Vector512<float> product) => product;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Of(Vector256<float> product) => product;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Of(float product) => product;
}

/// <summary>
/// <see cref="DequantizationMode.Float16"/>: float16(q) · float16(s) rounded to float16. torch multiplies float16
/// tensors in float32 and rounds once, and the float32 product of two float16 values is exact, so this is the exact
/// product rounded to float16 (the correctly rounded float16 product, as the CUDA half kernels compute too).
/// </summary>
internal struct Float16Products : IDequantizedProducts
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Of(Vector512<float> product) => Float16Rounding.Round(product);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Of(Vector256<float> product) => Float16Rounding.Round(product);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Of(float product) => Float16Rounding.Round(product);
}
