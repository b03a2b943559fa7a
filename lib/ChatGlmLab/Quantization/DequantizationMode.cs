namespace ChatGlmLab.Quantization;

/// <summary>
/// How a quantized weight is turned back into floats before the matmul (weight-only quantization:
/// W8A16 / W4A16; int8×int8 matmul is not usable on CPU, see GUIDE).
/// </summary>
public enum DequantizationMode
{
    /// <summary>W = float32(q) · float32(scale), exact; then cast to the compute dtype. This is upstream's
    /// CPU path (the int8/int4 <c>WeightExtractionFloat</c> kernels, used with the float32 model that
    /// upstream requires on CPU). Fixture: <c>case1_logits_dequant_fp32</c>.</summary>
    Float32,

    /// <summary>W = float16(q) · float16(scale), rounded to float16; then cast to the compute dtype. This is
    /// upstream's half path (<c>extract_weight_to_half</c>, the CUDA <c>*WeightExtractionHalf</c> kernels)
    /// used by a float16 model. Fixture: <c>case1_logits_dequant_fp16</c>.</summary>
    Float16,
}
