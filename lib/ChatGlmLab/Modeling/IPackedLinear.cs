namespace ChatGlmLab.Modeling;

/// <summary>
/// A linear that holds its weight packed (e.g. quantized int8/int4 buffers), not as a float parameter.
/// Sizes (<see cref="ModelSize"/>) count the float weight [out, in] it stands for, so a packed model reports
/// the same sizes as its float original. Implemented outside Modeling (Quantization's QuantizedLinear).
/// </summary>
public interface IPackedLinear : ILinearShape { }
