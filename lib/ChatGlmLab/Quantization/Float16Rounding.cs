using ChatGlmLab.Kernels;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ChatGlmLab.Quantization;

/// <summary>
/// float32 → float16 with round-to-nearest-even, as torch's <c>.to(float16)</c> and its float16 multiply (which
/// computes in float32 and rounds once) do: values above the float16 range become ±infinity, values below 2⁻¹⁴
/// become float16 subnormals (multiples of 2⁻²⁴). No float16 conversion instruction is exposed to .NET, so the
/// vector forms are integer and float32 arithmetic that gives the same bits.
/// <para><see cref="Round(Vector512{float})"/> keeps the result as a float32 (exact: every float16 is a float32);
/// <see cref="BitsOfRounded(Vector512{float})"/> turns such a value into its float16 bits.</para>
/// </summary>
internal static class Float16Rounding
{
    private const uint AbsMask = 0x7FFF_FFFFu;
    private const uint SignMask = 0x8000_0000u;
    private const uint Infinity = 0x7F80_0000u;
    private const uint SmallestNormal = 0x3880_0000u;   // 2⁻¹⁴, the smallest normal float16, as float32 bits
    private const uint Largest = 0x477F_E000u;          // 65504, the largest finite float16, as float32 bits
    private const uint ExponentRebias = (127 - 15) << 10;   // float32 exponent bias → float16's, at float16's exponent position

    /// <summary>The float16 bits of <paramref name="value"/>, rounded to nearest even.</summary>
    public static ushort ToBits(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    /// <summary>Rounds a float32 to the nearest float16 value, kept as a float32.</summary>
    public static float Round(float value) => (float)(Half)value;

    /// <summary>Vector <see cref="Round(float)"/>; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Round(Vector512<float> value)
    {
        var bits = value.AsUInt32();
        var abs = bits & Vector512.Create(AbsMask);
        // Normal range: keep 11 significant bits (drop 13), rounding to nearest even as BFloat16Rounding does at 16.
        var normal = (abs + Vector512.Create(0xFFFu) + ((abs >> 13) & Vector512.Create(1u))) & Vector512.Create(0xFFFF_E000u);
        normal = Vector512.ConditionalSelect(Vector512.GreaterThan(normal, Vector512.Create(Largest)), Vector512.Create(Infinity), normal);
        // Below 2⁻¹⁴ the float16 spacing is 2⁻²⁴: adding 0.5 (float32 spacing 2⁻²⁴ in [0.5, 1)) rounds to it, nearest even,
        // and subtracting it again is exact. A float32 subnormal input flushed by DAZ still gives the right 0.
        var half = Vector512.Create(0.5f);
        var subnormal = ((abs.AsSingle() + half) - half).AsUInt32();
        var rounded = Vector512.ConditionalSelect(Vector512.LessThan(abs, Vector512.Create(SmallestNormal)), subnormal, normal);
        rounded = Vector512.ConditionalSelect(Vector512.GreaterThan(abs, Vector512.Create(Infinity)), abs, rounded);   // NaN
        return (rounded | (bits & Vector512.Create(SignMask))).AsSingle();
    }

    /// <inheritdoc cref="Round(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Round(Vector256<float> value)
    {
        var bits = value.AsUInt32();
        var abs = bits & Vector256.Create(AbsMask);
        var normal = (abs + Vector256.Create(0xFFFu) + ((abs >> 13) & Vector256.Create(1u))) & Vector256.Create(0xFFFF_E000u);
        normal = Vector256.ConditionalSelect(Vector256.GreaterThan(normal, Vector256.Create(Largest)), Vector256.Create(Infinity), normal);
        var half = Vector256.Create(0.5f);
        var subnormal = ((abs.AsSingle() + half) - half).AsUInt32();
        var rounded = Vector256.ConditionalSelect(Vector256.LessThan(abs, Vector256.Create(SmallestNormal)), subnormal, normal);
        rounded = Vector256.ConditionalSelect(Vector256.GreaterThan(abs, Vector256.Create(Infinity)), abs, rounded);
        return (rounded | (bits & Vector256.Create(SignMask))).AsSingle();
    }

    /// <summary>
    /// The float32 value (exact) of float16 bits held in the low 16 bits of each lane — the widening <c>(float)half</c>
    /// does, used by <see cref="QuantizationKernel"/> to read float16 weights (.NET exposes no F16C conversion). Normal
    /// values move the exponent to float32's bias, subnormals are their count of 2⁻²⁴ (an exact int → float product),
    /// infinities and NaNs keep their payload under float32's all-ones exponent.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FromBits(Vector512<uint> bits)
    {
        var abs = bits & Vector512.Create(0x7FFFu);
        var normal = (abs << 13) + Vector512.Create(ExponentRebias << 13);
        var subnormal = (Vector512.ConvertToSingle(abs.AsInt32()) * Vector512.Create(1f / 16777216f)).AsUInt32();   // · 2⁻²⁴, exact
        var special = (abs << 13) | Vector512.Create(Infinity);
        var magnitude = Vector512.ConditionalSelect(Vector512.LessThan(abs, Vector512.Create(0x400u)), subnormal, normal);
        magnitude = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(abs, Vector512.Create(0x7C00u)), special, magnitude);
        return (magnitude | ((bits & Vector512.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <inheritdoc cref="FromBits(Vector512{uint})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FromBits(Vector256<uint> bits)
    {
        var abs = bits & Vector256.Create(0x7FFFu);
        var normal = (abs << 13) + Vector256.Create(ExponentRebias << 13);
        var subnormal = (Vector256.ConvertToSingle(abs.AsInt32()) * Vector256.Create(1f / 16777216f)).AsUInt32();
        var special = (abs << 13) | Vector256.Create(Infinity);
        var magnitude = Vector256.ConditionalSelect(Vector256.LessThan(abs, Vector256.Create(0x400u)), subnormal, normal);
        magnitude = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(abs, Vector256.Create(0x7C00u)), special, magnitude);
        return (magnitude | ((bits & Vector256.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>
    /// The float16 bits (in the low 16 bits of each lane) of values that <see cref="Round(Vector512{float})"/> returned,
    /// i.e. exactly representable in float16: normal values by moving the exponent to float16's bias, subnormals as
    /// their count of 2⁻²⁴, infinities as such and NaN as float16's default quiet NaN (0x7E00, with the sign).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> BitsOfRounded(Vector512<float> rounded)
    {
        var bits = rounded.AsUInt32();
        var abs = bits & Vector512.Create(AbsMask);
        var normal = (abs >> 13) - Vector512.Create(ExponentRebias);
        var subnormal = Vector512.ConvertToInt32(abs.AsSingle() * Vector512.Create(16777216f)).AsUInt32();   // · 2²⁴, exact
        var magnitude = Vector512.ConditionalSelect(Vector512.LessThan(abs, Vector512.Create(SmallestNormal)), subnormal, normal);
        magnitude = Vector512.ConditionalSelect(Vector512.Equals(abs, Vector512.Create(Infinity)), Vector512.Create(0x7C00u), magnitude);
        magnitude = Vector512.ConditionalSelect(Vector512.GreaterThan(abs, Vector512.Create(Infinity)), Vector512.Create(0x7E00u), magnitude);
        return magnitude | ((bits >> 16) & Vector512.Create(0x8000u));
    }

    /// <inheritdoc cref="BitsOfRounded(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> BitsOfRounded(Vector256<float> rounded)
    {
        var bits = rounded.AsUInt32();
        var abs = bits & Vector256.Create(AbsMask);
        var normal = (abs >> 13) - Vector256.Create(ExponentRebias);
        var subnormal = Vector256.ConvertToInt32(abs.AsSingle() * Vector256.Create(16777216f)).AsUInt32();
        var magnitude = Vector256.ConditionalSelect(Vector256.LessThan(abs, Vector256.Create(SmallestNormal)), subnormal, normal);
        magnitude = Vector256.ConditionalSelect(Vector256.Equals(abs, Vector256.Create(Infinity)), Vector256.Create(0x7C00u), magnitude);
        magnitude = Vector256.ConditionalSelect(Vector256.GreaterThan(abs, Vector256.Create(Infinity)), Vector256.Create(0x7E00u), magnitude);
        return magnitude | ((bits >> 16) & Vector256.Create(0x8000u));
    }
}
