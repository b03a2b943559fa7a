using static TorchSharp.torch;

namespace ChatGlmLab.Quantization;

/// <summary>Turns ChatGLM's stored quantized weight back into a float matrix [out, in].</summary>
public static class Dequantization
{
    /// <summary>
    /// The default mode for a compute dtype, matching what upstream does for a model of that dtype:
    /// a float16 model dequantizes to float16 (<c>extract_weight_to_half</c>); a float32 model on CPU uses
    /// the exact float32 extraction kernels. bfloat16 (not an upstream CPU path) also dequantizes exactly
    /// in float32 and is rounded once to bfloat16, which is the closest to the stored values.
    /// </summary>
    public static DequantizationMode DefaultFor(ScalarType computeDType) =>
        computeDType == ScalarType.Float16 ? DequantizationMode.Float16 : DequantizationMode.Float32;

    /// <summary>
    /// Dequantizes into <paramref name="computeDType"/>: W = q · scale with the rounding of <paramref name="mode"/>, then
    /// rounded once to the compute dtype. On CPU a single pass writes the result straight into the output tensor
    /// (<see cref="DequantizationKernel"/>, bit-identical to the torch ops below); other devices use the torch ops.
    /// Nothing is cached (memory is the point).
    /// </summary>
    public static Tensor Dequantize(Tensor weight, Tensor scale, int bits, DequantizationMode mode, ScalarType computeDType)
    {
        SymmetricRowQuantization.CheckBits(bits);
        if (DequantizationKernel.CanDequantize(weight, scale, bits, computeDType))
            return DequantizationKernel.Dequantize(weight, scale, bits, mode, computeDType, QuantizedKernelVariants.Best);
        return DequantizeWithTorchOps(weight, scale, bits, mode, computeDType);
    }

    /// <summary>
    /// The same values for a matmul done at once: on CPU written into this thread's reusable buffer
    /// (<see cref="DequantizationScratch"/>), so repeated prefill and training steps allocate nothing. The result is
    /// only valid until the next call on this thread; use <see cref="Dequantize"/> for a weight that is kept.
    /// </summary>
    internal static Tensor DequantizeForMatmul(Tensor weight, Tensor scale, int bits, DequantizationMode mode, ScalarType computeDType)
    {
        SymmetricRowQuantization.CheckBits(bits);
        if (!DequantizationKernel.CanDequantize(weight, scale, bits, computeDType))
            return DequantizeWithTorchOps(weight, scale, bits, mode, computeDType);
        var into = DequantizationScratch.Rent(weight.shape[0], weight.shape[1] * 8 / bits, computeDType);
        return DequantizationKernel.Dequantize(weight, scale, bits, mode, computeDType, QuantizedKernelVariants.Best, into);
    }

    /// <summary>The device-independent form: one int8 unpack for 4 bits, one float matrix, the scale multiplied in place
    /// (other devices; the tests' reference for the CPU kernel).</summary>
    internal static Tensor DequantizeWithTorchOps(Tensor weight, Tensor scale, int bits, DequantizationMode mode, ScalarType computeDType)
    {
        var productDType = mode == DequantizationMode.Float16 ? ScalarType.Float16 : ScalarType.Float32;
        using var scope = NewDisposeScope();
        var levels = bits == 4 ? Int4Packing.Unpack(weight) : weight;
        var w = levels.to(productDType);
        w.mul_(scale.to(productDType).unsqueeze(1));     // one rounding per element in the product dtype
        if (w.dtype != computeDType) w = w.to(computeDType);
        return w.MoveToOuterDisposeScope();
    }
}
