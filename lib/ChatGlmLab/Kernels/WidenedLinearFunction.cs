using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace ChatGlmLab.Kernels;

/// <summary>
/// y = x · Wᵀ + b computed in float32 for bfloat16 x and a frozen bfloat16 W, as one autograd node that saves only the
/// bf16 weight it was given and widens it again in backward (like Quantization/DequantizedLinearFunction). A plain
/// <c>linear(x.float(), W.float())</c> would keep every layer's float32 copy of its weight until backward: twice the
/// 16-bit model's size. The weight is widened <see cref="BlockBytes"/> at a time (blocks of output rows), so a large one
/// (chatglm-6b's lm_head: 2.1 GB in float32) never has a whole float32 copy. Why widen at all: Runtime/MatmulPrecision.
/// Gradients: x, and the bias when it requires grad.
/// </summary>
internal sealed class WidenedLinearFunction : SingleTensorFunction<WidenedLinearFunction>
{
    /// <summary>Float32 weight held at once: 2,048 rows of chatglm-6b's 4,096 inputs.</summary>
    public const long BlockBytes = 32L << 20;

    public override string Name => nameof(WidenedLinearFunction);

    public static Tensor Apply(Tensor x, Tensor frozenWeight, Tensor? bias) => apply(x, frozenWeight, bias!);

    private static IEnumerable<(long Start, long Rows)> Blocks(Tensor weight)
    {
        long rows = weight.shape[0], block = Math.Max(1, BlockBytes / (sizeof(float) * weight.shape[1]));
        for (long start = 0; start < rows; start += block) yield return (start, Math.Min(block, rows - start));
    }

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var weight = (Tensor)vars[1];
        var bias = vars[2] as Tensor;
        ctx.save_for_backward([weight]);
        ctx.save_data("dtype", x.dtype);
        ctx.save_data("biasNeedsGrad", bias is not null && bias.requires_grad);
        var y = empty([.. x.shape[..^1], weight.shape[0]], x.dtype, x.device);
        using var scope = NewDisposeScope();
        var x32 = x.to(ScalarType.Float32);
        foreach (var (start, rows) in Blocks(weight))
        {
            using var block = NewDisposeScope();
            var product = nn.functional.linear(x32, weight.narrow(0, start, rows).to(ScalarType.Float32), bias?.narrow(0, start, rows).to(ScalarType.Float32));
            y.narrow(-1, start, rows).copy_(product);   // rounded to x's dtype once
        }
        return y;
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
    {
        var weight = ctx.get_saved_variables()[0];
        var dtype = (ScalarType)ctx.get_data("dtype");
        Tensor gradInput;
        using (var scope = NewDisposeScope())
        {
            var g32 = gradOutput.to(ScalarType.Float32);
            var sum = zeros([.. gradOutput.shape[..^1], weight.shape[1]], ScalarType.Float32, gradOutput.device);
            foreach (var (start, rows) in Blocks(weight))
            {
                using var block = NewDisposeScope();
                sum.add_(g32.narrow(-1, start, rows).matmul(weight.narrow(0, start, rows).to(ScalarType.Float32)));   // [..., rows] · [rows, in]
            }
            gradInput = sum.to(dtype).MoveToOuterDisposeScope();
        }
        Tensor? gradBias = (bool)ctx.get_data("biasNeedsGrad")
            ? LinearBiasGradient.Of(gradOutput)
            : null;
        return [gradInput, null!, gradBias!];
    }
}
