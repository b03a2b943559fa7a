using ChatGlmLab.Checkpoints;
using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>
/// Parameter counts and weight memory of a model, computed from its structure (works on the meta
/// device, so the full chatglm-6b needs no memory). Quantized sizes follow ChatGLM's layout: the four
/// linears of every block store int8 (or packed int4) weights plus one float16 scale per output row;
/// everything else stays float16.
/// </summary>
public sealed record ModelSize(long Parameters, long QuantizableWeights, long QuantizedRows)
{
    /// <summary>The weights of the four block linears that ChatGLM quantizes.</summary>
    public static bool IsQuantizableWeight(string name) =>
        name.StartsWith("transformer.layers.", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal) &&
        (name.Contains(".attention.query_key_value.") || name.Contains(".attention.dense.") ||
         name.Contains(".mlp.dense_h_to_4h.") || name.Contains(".mlp.dense_4h_to_h."));

    public static ModelSize Of(nn.Module model)
    {
        long total = 0, quantizable = 0, rows = 0;
        foreach (var (name, p) in model.named_parameters())
        {
            total += p.numel();
            if (IsQuantizableWeight(name)) { quantizable += p.numel(); rows += p.shape[0]; }
        }
        // A packed (e.g. quantized) linear holds its weight as a buffer, not a parameter: count the float weight
        // it stands for, so a quantized model reports the same sizes as its float original.
        foreach (var (_, module) in model.named_modules())
            if (module is IPackedLinear q)
            {
                total += q.InFeatures * q.OutFeatures;
                quantizable += q.InFeatures * q.OutFeatures;
                rows += q.OutFeatures;
            }
        return new ModelSize(total, quantizable, rows);
    }

    public static ModelSize Of(ChatGlmConfig config)
    {
        // Sizes are defined on the float structure; QuantizedBytes derives the quantized ones from it.
        var floatConfig = config.Clone();
        floatConfig.QuantizationBit = null;
        using var meta = ChatGlmForConditionalGeneration.CreateMeta(floatConfig);
        return Of(meta);
    }

    /// <summary>Bytes of all weights stored in one float dtype.</summary>
    public long Bytes(ScalarType dtype) => Parameters * Checkpoints.TensorStreams.ElementSize(dtype);

    /// <summary>Bytes with ChatGLM's weight-only quantization (bits 8 or 4); other weights float16.</summary>
    public long QuantizedBytes(int bits)
    {
        if (bits is not (4 or 8)) throw new ArgumentException("bits must be 4 or 8");
        long other = (Parameters - QuantizableWeights) * 2;
        return other + QuantizableWeights * bits / 8 + QuantizedRows * 2;
    }
}
