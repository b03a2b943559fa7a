namespace ChatGlmLab.Quantization;

/// <summary>
/// The instruction set <see cref="QuantizedMatVec"/> runs with. All three compute the same sums (in a different
/// float32 order); selectable so that tests can run every one on any machine that supports it.
/// </summary>
internal enum QuantizedMatVecVariant
{
    /// <summary>Plain C#, one column at a time (any CPU).</summary>
    Scalar,

    /// <summary>AVX2 + FMA, 16 columns per step.</summary>
    Vector256,

    /// <summary>AVX-512 F, 32 columns per step.</summary>
    Vector512,
}
