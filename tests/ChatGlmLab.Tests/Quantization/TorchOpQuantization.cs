using ChatGlmLab.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Quantization;

/// <summary>
/// The reference for <see cref="SymmetricRowQuantization.Quantize"/>: its original torch-op implementation, kept here verbatim
/// (except that the level is an explicit integer Scalar, see Runtime/Scalars) so that the CPU kernel is checked against what
/// the library computed before it (and what the case7 fixtures were matched with).
/// </summary>
public static class TorchOpQuantization
{
    public static QuantizedWeight Quantize(Tensor weight, int bits)
    {
        using var scope = NewDisposeScope();
        var scale = RowScales(weight, bits);
        var levels = Levels(weight, scale);
        var stored = bits == 4 ? Int4Packing.Pack(levels) : levels;
        return new QuantizedWeight(stored.MoveToOuterDisposeScope(), scale.MoveToOuterDisposeScope(), bits);
    }

    private static Tensor RowScales(Tensor weight, int bits)
    {
        using var rowMax = weight.detach().abs().amax([1]);
        using Scalar maxLevel = SymmetricRowQuantization.MaxLevel(bits).ToScalar();
        using var scale = rowMax.div(maxLevel);          // stays in W's dtype (Python-scalar semantics)
        return scale.to(ScalarType.Float16);
    }

    private static Tensor Levels(Tensor weight, Tensor scale)
    {
        using var scope = NewDisposeScope();
        var ratio = weight.detach() / scale.unsqueeze(1);      // fp32 / fp16 -> fp32; fp16 / fp16 -> fp16; bf16 / fp16 -> fp32
        var levels = ratio.round_().nan_to_num_(0.0).to(ScalarType.Int8);
        return levels.MoveToOuterDisposeScope();
    }
}
