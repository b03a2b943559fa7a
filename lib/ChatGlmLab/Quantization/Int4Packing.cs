using static TorchSharp.torch;

namespace ChatGlmLab.Quantization;

/// <summary>
/// ChatGLM's int4 layout: two signed 4-bit values per int8 byte, <b>even column in the high nibble,
/// odd column in the low nibble</b>: byte j of row r = (q[r, 2j] &lt;&lt; 4) | (q[r, 2j+1] &amp; 0x0F).
/// Unpacking sign-extends both nibbles. Implemented with int8 arithmetic (multiply, floor division,
/// remainder), which is exact here: q ∈ [-8, 7] so q·16 ∈ [-128, 112] never overflows int8.
/// </summary>
public static class Int4Packing
{
    private static readonly TorchSharp.Scalar Sixteen = TorchSharp.ScalarExtensionMethods.ToScalar(16);   // held once: see Runtime/Scalars
    private static readonly TorchSharp.Scalar One = TorchSharp.ScalarExtensionMethods.ToScalar(1);        // add's alpha: integral for int8 tensors
    private static readonly TorchSharp.Scalar Eight = TorchSharp.ScalarExtensionMethods.ToScalar(8);

    /// <summary>int8 levels [out, in] (each in [-8, 7], in even) → packed int8 [out, in/2].</summary>
    public static Tensor Pack(Tensor levels)
    {
        if (levels.dtype != ScalarType.Int8 || levels.dim() != 2)
            throw new ArgumentException($"expected int8 [out, in] levels, got {levels.dtype} [{string.Join(", ", levels.shape)}]");
        long rows = levels.shape[0], cols = levels.shape[1];
        if (cols % 2 != 0) throw new ArgumentException($"int4 packing needs an even number of columns, got {cols}");
        using var scope = NewDisposeScope();
        var pairs = levels.reshape(rows, cols / 2, 2);
        var high = pairs.select(2, 0).mul(Sixteen);      // even column, shifted into the high nibble (two's complement)
        var low = pairs.select(2, 1).remainder(Sixteen); // odd column as its low 4 bits, 0..15 (= q & 0x0F)
        return high.add(low, One).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>packed int8 [out, in/2] → int8 levels [out, in], each sign-extended to [-8, 7].</summary>
    public static Tensor Unpack(Tensor packed)
    {
        if (packed.dtype != ScalarType.Int8 || packed.dim() != 2)
            throw new ArgumentException($"expected packed int8 [out, in/2], got {packed.dtype} [{string.Join(", ", packed.shape)}]");
        using var scope = NewDisposeScope();
        var high = packed.div(Sixteen, RoundingMode.floor);   // arithmetic shift right by 4: sign-extended high nibble
        var low = packed.remainder(Sixteen);             // low nibble 0..15
        low = low.sub(low.ge(Eight).to(ScalarType.Int8).mul(Sixteen));   // sign-extend: 8..15 -> -8..-1
        return stack([high, low], 2).reshape(packed.shape[0], packed.shape[1] * 2).MoveToOuterDisposeScope();
    }
}
