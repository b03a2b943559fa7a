using ChatGlmLab.Quantization;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Quantization;

/// <summary>
/// The reference for <see cref="Dequantization.Dequantize"/>: its original torch-op implementation, kept here verbatim so
/// that the CPU kernel is checked against what the library computed before it (and what the fixtures were matched with).
/// </summary>
public static class TorchOpDequantization
{
    public static Tensor Dequantize(Tensor weight, Tensor scale, int bits, DequantizationMode mode, ScalarType computeDType)
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
