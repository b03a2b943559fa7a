using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Quantization;

/// <summary>A quantized weight as ChatGLM stores it: int8 <c>weight</c> ([out, in], or [out, in/2] packed
/// for 4 bits) and one float16 <c>weight_scale</c> per output row.</summary>
public sealed record QuantizedWeight(Tensor Weight, Tensor Scale, int Bits);

/// <summary>
/// ChatGLM's weight-only quantization (upstream quantization.py, QuantizedLinear.__init__): symmetric,
/// one scale per output row, no zero point, no clamping.
/// <code>
/// scale = float16(max_j |W[r, j]| / (2^(bits-1) - 1))
/// q     = int8(round_half_to_even(W / scale))
/// </code>
/// Every step runs in W's own dtype, exactly as upstream: the max and the division by 127 (or 7)
/// happen in float32 for a float32 weight and in float16 for a float16 weight, and only then is the
/// scale rounded to float16; in <c>W / scale</c> the float16 scale is promoted to W's dtype. So the same
/// matrix gives slightly different scales from an fp32 and from an fp16 source (fixture from_fp32 vs from_fp16).
/// The caller's dtype is the rule: quantize-on-load passes the checkpoint's tensor as stored (real checkpoints
/// are fp16), never an upcast copy.
/// A bfloat16 weight (no upstream fixture) gets what torch does with it: the max and the division by 127 (or 7)
/// in bfloat16, the scale then rounded to float16; in <c>W / scale</c> torch promotes bfloat16 with float16
/// to float32, so the ratio is the float32 quotient of the two exact values, rounded to an integer directly.
/// <para>On CPU (float32, float16, bfloat16) one pass writes the result straight into the stored tensors
/// (<see cref="QuantizationKernel"/>, bit-identical to the torch ops below, edge cases included); other devices and
/// dtypes use the torch ops.</para>
/// </summary>
public static class SymmetricRowQuantization
{
    public static void CheckBits(int bits)
    {
        if (bits is not (4 or 8)) throw new ArgumentException($"quantization bits must be 4 or 8, got {bits}", nameof(bits));
    }

    /// <summary>Largest quantized magnitude: 127 for 8 bits, 7 for 4 bits.</summary>
    public static int MaxLevel(int bits) => (1 << (bits - 1)) - 1;

    /// <summary>Quantizes a float weight [out, in] into ChatGLM's stored layout (int4 packed two per byte).</summary>
    public static QuantizedWeight Quantize(Tensor weight, int bits)
    {
        Check(weight, bits);
        if (QuantizationKernel.CanRead(weight))
        {
            var stored = empty([weight.shape[0], weight.shape[1] * bits / 8], ScalarType.Int8);
            var scale = empty([weight.shape[0]], ScalarType.Float16);
            QuantizationKernel.Quantize(weight, bits, stored, scale, QuantizedKernelVariants.Best);
            return new QuantizedWeight(stored, scale, bits);
        }
        return QuantizeWithTorchOps(weight, bits);
    }

    /// <summary>The device-independent form with torch ops (other devices; the tests' reference for the CPU kernel).</summary>
    internal static QuantizedWeight QuantizeWithTorchOps(Tensor weight, int bits)
    {
        using var scope = NewDisposeScope();
        var scale = RowScales(weight, bits);
        var levels = Levels(weight, scale);
        var stored = bits == 4 ? Int4Packing.Pack(levels) : levels;
        return new QuantizedWeight(stored.MoveToOuterDisposeScope(), scale.MoveToOuterDisposeScope(), bits);
    }

    /// <summary>
    /// Quantizes a float weight [out, in] into existing tensors (a quantized layer's <c>weight</c> and <c>weight_scale</c>):
    /// on CPU written in place by the kernel, with no temporary; otherwise quantized and copied.
    /// </summary>
    public static void QuantizeInto(Tensor weight, int bits, Tensor storedWeight, Tensor scale)
    {
        Check(weight, bits);
        if (QuantizationKernel.CanRead(weight) && QuantizationKernel.CanWrite(weight, bits, storedWeight, scale))
        {
            QuantizationKernel.Quantize(weight, bits, storedWeight, scale, QuantizedKernelVariants.Best);
            return;
        }
        using var scope = NewDisposeScope();
        var q = Quantize(weight, bits);
        using (no_grad())
        {
            storedWeight.copy_(q.Weight);
            scale.copy_(q.Scale);
        }
    }

    private static void Check(Tensor weight, int bits)
    {
        CheckBits(bits);
        if (weight.dim() != 2) throw new ArgumentException($"expected a 2-D weight [out, in], got [{string.Join(", ", weight.shape)}]");
        if (!weight.is_floating_point()) throw new ArgumentException($"expected a floating-point weight, got {weight.dtype}");
        if (bits == 4 && weight.shape[1] % 2 != 0) throw new ArgumentException($"int4 packing needs an even number of columns, got {weight.shape[1]}");
    }

    /// <summary>float16 [out]: the row's largest magnitude over the largest level, computed in W's dtype (the torch-op form).</summary>
    public static Tensor RowScales(Tensor weight, int bits)
    {
        CheckBits(bits);
        using var rowMax = weight.detach().abs().amax([1]);
        using Scalar maxLevel = MaxLevel(bits).ToScalar();     // an integer Scalar keeps W's dtype (Python-scalar semantics); see Runtime/Scalars
        using var scale = rowMax.div(maxLevel);
        return scale.to(ScalarType.Float16);
    }

    /// <summary>int8 [out, in]: round_half_to_even(W / scale) with the scale promoted to W's dtype (the torch-op form).</summary>
    public static Tensor Levels(Tensor weight, Tensor scale)
    {
        using var scope = NewDisposeScope();
        var ratio = weight.detach() / scale.unsqueeze(1);      // fp32 / fp16 -> fp32; fp16 / fp16 -> fp16; bf16 / fp16 -> fp32
        // An all-zero row has scale 0 and gives 0/0 = NaN, whose int8 cast is undefined (upstream has the
        // same hole). Mapping NaN to 0 changes no finite value, so parity is unaffected. (nan_to_num_ takes doubles, no Scalar.)
        // The int8 cast wraps out-of-range values (see FloatToInt8Cast), which the CPU kernel reproduces.
        var levels = ratio.round_().nan_to_num_(0.0).to(ScalarType.Int8);
        return levels.MoveToOuterDisposeScope();
    }
}
