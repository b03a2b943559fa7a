using System.Runtime.Intrinsics;

namespace ChatGlmLab.Kernels;

/// <summary>
/// float32 → bfloat16 with round-to-nearest-even, as torch's <c>.to(bfloat16)</c> (c10::round_to_nearest_even):
/// add 0x7FFF plus the lowest kept bit, then drop the low 16 bits. A bfloat16 is the upper half of a float32,
/// so widening back is a 16-bit shift and exact.
/// </summary>
internal static class BFloat16Rounding
{
    /// <summary>The bfloat16 bits of <paramref name="value"/>, rounded to nearest even (NaN stays a quiet NaN).</summary>
    public static ushort ToBits(float value)
    {
        if (float.IsNaN(value)) return 0x7FC0;
        uint bits = BitConverter.SingleToUInt32Bits(value);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }

    /// <summary>The float32 a bfloat16 stands for (exact).</summary>
    public static float FromBits(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>Vector <see cref="FromBits(ushort)"/>: bfloat16 bits in the low 16 bits of each lane → their float32 (exact).</summary>
    public static Vector512<float> FromBits(Vector512<uint> bits) => (bits << 16).AsSingle();

    /// <inheritdoc cref="FromBits(Vector512{uint})"/>
    public static Vector256<float> FromBits(Vector256<uint> bits) => (bits << 16).AsSingle();

    /// <summary>Rounds a float32 to the nearest bfloat16 value, kept as a float32.</summary>
    public static float Round(float value) => FromBits(ToBits(value));

    /// <summary>Vector <see cref="Round(float)"/> for finite values (the quantized weights: integer level × float16 scale).</summary>
    public static Vector512<float> Round(Vector512<float> value)
    {
        var bits = value.AsUInt32();
        var lowestKept = (bits >> 16) & Vector512.Create(1u);
        return ((bits + Vector512.Create(0x7FFFu) + lowestKept) & Vector512.Create(0xFFFF0000u)).AsSingle();
    }

    /// <inheritdoc cref="Round(Vector512{float})"/>
    public static Vector256<float> Round(Vector256<float> value)
    {
        var bits = value.AsUInt32();
        var lowestKept = (bits >> 16) & Vector256.Create(1u);
        return ((bits + Vector256.Create(0x7FFFu) + lowestKept) & Vector256.Create(0xFFFF0000u)).AsSingle();
    }
}
