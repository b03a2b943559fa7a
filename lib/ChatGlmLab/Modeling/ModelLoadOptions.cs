using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>How to materialise a model loaded from a directory: parameter dtype, device and quantization.</summary>
public sealed record ModelLoadOptions
{
    public ScalarType DType { get; init; } = ScalarType.Float32;
    public Device? Device { get; init; }
    /// <summary>
    /// Quantize the block linears to 4 or 8 bits while loading a float checkpoint (one weight at a time).
    /// A checkpoint whose config.json already has quantization_bit is loaded quantized without this.
    /// </summary>
    public int? QuantizationBit { get; init; }
    /// <summary>
    /// With quantization: block linears (by state-dict prefix, "transformer.layers.27.mlp.dense_h_to_4h") loaded in float
    /// instead — the layers Freeze fine-tuning trains on a quantized base (quantized weights cannot train). Needs a float checkpoint.
    /// </summary>
    public Func<string, bool>? KeepFloat { get; init; }
}
