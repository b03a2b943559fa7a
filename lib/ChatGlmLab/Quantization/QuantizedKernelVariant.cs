using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatGlmLab.Quantization;

/// <summary>
/// The instruction set the quantized-weight kernels (<see cref="QuantizedMatVec"/>, <see cref="DequantizationKernel"/>)
/// run with. Every variant computes the same values; selectable so that tests can run each one this machine supports.
/// </summary>
internal enum QuantizedKernelVariant
{
    /// <summary>Plain C#, one column at a time (any CPU).</summary>
    Scalar,

    /// <summary>AVX2 + FMA, 16 columns per step.</summary>
    Vector256,

    /// <summary>AVX-512 F, 32 columns per step.</summary>
    Vector512,
}

/// <summary>Which <see cref="QuantizedKernelVariant"/>s this CPU runs.</summary>
internal static class QuantizedKernelVariants
{
    /// <summary>The widest variant this CPU runs.</summary>
    public static QuantizedKernelVariant Best { get; } =
        IsSupported(QuantizedKernelVariant.Vector512) ? QuantizedKernelVariant.Vector512
        : IsSupported(QuantizedKernelVariant.Vector256) ? QuantizedKernelVariant.Vector256
        : QuantizedKernelVariant.Scalar;

    /// <summary>Every variant this CPU runs (for tests).</summary>
    public static QuantizedKernelVariant[] Supported { get; } =
        Enum.GetValues<QuantizedKernelVariant>().Where(IsSupported).ToArray();

    /// <summary>Columns per vector block of a variant (0 for scalar: no blocks, natural order throughout).</summary>
    public static int BlockColumns(QuantizedKernelVariant variant) => variant switch
    {
        QuantizedKernelVariant.Vector512 => 32,
        QuantizedKernelVariant.Vector256 => 16,
        _ => 0,
    };

    public static bool IsSupported(QuantizedKernelVariant variant) => variant switch
    {
        QuantizedKernelVariant.Vector512 => Avx512F.IsSupported && Vector512.IsHardwareAccelerated,
        QuantizedKernelVariant.Vector256 => Avx2.IsSupported && Fma.IsSupported,
        _ => true,
    };
}
