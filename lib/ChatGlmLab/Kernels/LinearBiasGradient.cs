using static TorchSharp.torch;

namespace ChatGlmLab.Kernels;

/// <summary>
/// The gradient of y = x · Wᵀ + b with respect to b, for the kit's own linear autograd nodes
/// (Kernels/WidenedLinearFunction, Quantization/DequantizedLinearFunction): the output gradient summed over every
/// leading dimension, in its own dtype.
/// </summary>
internal static class LinearBiasGradient
{
    public static Tensor Of(Tensor gradOutput) =>
        gradOutput.reshape(-1, gradOutput.shape[^1]).sum([0]);   // not sum(0): a literal 0 binds to the ScalarType overload
}
