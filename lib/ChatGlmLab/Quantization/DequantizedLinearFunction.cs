using ChatGlmLab.Kernels;
using ChatGlmLab.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace ChatGlmLab.Quantization;

/// <summary>
/// y = x · dequantize(q, scale)ᵀ + b as one autograd node that saves only the quantized weight and its
/// scales, and dequantizes again in backward (upstream's W8A16Linear autograd.Function does the same).
/// A plain <c>linear(x, dequantized W)</c> would keep every layer's float weight alive until backward —
/// a full float copy of the quantized layers during training, which is what quantizing was meant to avoid.
/// Gradients: x (so adapters before this layer train) and the bias when it requires grad; never q or scale.
/// </summary>
internal sealed class DequantizedLinearFunction : SingleTensorFunction<DequantizedLinearFunction>
{
    public override string Name => nameof(DequantizedLinearFunction);

    /// <summary>Inputs: x, weight (int8), scale (float16), bias (Tensor or null), bits, mode.</summary>
    public static Tensor Apply(Tensor x, Tensor weight, Tensor scale, Tensor? bias, int bits, DequantizationMode mode) =>
        apply(x, weight, scale, bias!, bits, mode);

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var weight = (Tensor)vars[1];
        var scale = (Tensor)vars[2];
        var bias = vars[3] as Tensor;
        int bits = (int)vars[4];
        var mode = (DequantizationMode)vars[5];

        ctx.save_for_backward([weight, scale]);
        ctx.save_data("bits", bits);
        ctx.save_data("mode", mode);
        // The matmuls run in float32 for bf16 activations where the CPU emulates bf16 (Runtime/MatmulPrecision), forward
        // and backward; the output and the input's gradient keep the activations' dtype.
        var compute = MatmulPrecision.ComputeType(x);
        ctx.save_data("compute", compute);
        ctx.save_data("dtype", x.dtype);
        ctx.save_data("biasNeedsGrad", bias is not null && bias.requires_grad);

        using var w = Dequantization.DequantizeForMatmul(weight, scale, bits, mode, compute);
        return MatmulPrecision.Linear(x, w, bias);
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
    {
        var saved = ctx.get_saved_variables();
        var dtype = (ScalarType)ctx.get_data("dtype");
        var compute = (ScalarType)ctx.get_data("compute");
        using var w = Dequantization.DequantizeForMatmul(saved[0], saved[1], (int)ctx.get_data("bits"), (DequantizationMode)ctx.get_data("mode"), compute);
        var gradInput = compute == dtype
            ? gradOutput.matmul(w)                                                // [..., out] · [out, in]
            : gradOutput.to(compute).matmul(w).to(dtype);
        Tensor? gradBias = (bool)ctx.get_data("biasNeedsGrad")
            ? LinearBiasGradient.Of(gradOutput)
            : null;
        return [gradInput, null!, null!, gradBias!, null!, null!];
    }
}
