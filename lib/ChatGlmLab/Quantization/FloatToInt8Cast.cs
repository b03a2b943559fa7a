using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatGlmLab.Quantization;

/// <summary>
/// float → int8 as torch's <c>.to(int8)</c> does it on x86 CPUs (measured with libtorch 2.10, scalar and vector paths
/// alike): truncate to int32 with cvttss2si / cvttps2dq, where anything out of int32's range (±infinity, ±3.4e38)
/// becomes int.MinValue (x86's "integer indefinite"), then keep the low byte. So 128 → −128, 200 → −56,
/// 65504 → −32, and ±infinity / ±float.MaxValue → 0. This class gives the int32; the stores
/// (<see cref="IPackedWeightBlocks"/>) keep its low 8 (or 4) bits.
/// <para>.NET's own <c>(int)x</c> and <c>Vector512.ConvertToInt32</c> saturate instead (since .NET 9), hence the explicit
/// forms. On an ARM CPU torch's cast saturates too, so the scalar form would then differ from torch for values beyond
/// int32's range (only a zero scale's ±infinite ratios reach them); this kit runs on x86.</para>
/// </summary>
internal static class FloatToInt8Cast
{
    /// <summary>The int32 whose low byte torch stores for <paramref name="value"/> (NaN never reaches it: nan_to_num comes first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ToInt32(float value) =>
        value >= -2147483648f && value < 2147483648f ? (int)value : int.MinValue;

    /// <inheritdoc cref="ToInt32(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> ToInt32(Vector512<float> value) => Avx512F.ConvertToVector512Int32WithTruncation(value);

    /// <inheritdoc cref="ToInt32(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> ToInt32(Vector256<float> value) => Avx.ConvertToVector256Int32WithTruncation(value);
}
