namespace ChatGlmLab.Tests.Quantization;

/// <summary>
/// An independent scalar re-statement of upstream's quantization rule (quantization.py) for test expectations,
/// written with System.Half arithmetic instead of torch ops:
/// <code>scale = (W.abs().max(dim=-1).values / (2^(bits-1)-1)).half();  q = round(W / scale[:, None]).to(int8)</code>
/// with every operation in W's dtype and torch's type promotion. One float16 or bfloat16 operation is done as
/// the float32 operation rounded once to the narrow type: float32 has 24 bits ≥ 2·p + 2 for both (p = 11, 8),
/// so that double rounding equals the correctly rounded narrow result.
/// </summary>
public static class ScalarQuantizationReference
{
    /// <summary>The stored int8 weight (int4: packed, even column in the high nibble) and float16 scales of a float16 W [rows, cols].</summary>
    public static (sbyte[] Stored, Half[] Scales) FromFloat16(Half[] w, int rows, int cols, int bits)
    {
        int maxLevel = (1 << (bits - 1)) - 1;
        var levels = new sbyte[rows * cols];
        var scales = new Half[rows];
        for (int r = 0; r < rows; r++)
        {
            float max = 0f;
            for (int c = 0; c < cols; c++) max = Math.Max(max, Math.Abs((float)w[r * cols + c]));  // |W| and max are exact in float16
            var scale = (Half)(max / maxLevel);                   // float16 / int -> float16; .half() changes nothing
            scales[r] = scale;
            for (int c = 0; c < cols; c++)
            {
                var ratio = (Half)((float)w[r * cols + c] / (float)scale); // float16 / float16 -> float16
                levels[r * cols + c] = Level((float)ratio);
            }
        }
        return (bits == 4 ? Pack(levels, rows, cols) : levels, scales);
    }

    /// <summary>
    /// The same for a bfloat16 W given as its float32 values: max and division by the level in bfloat16, the scale
    /// then rounded to float16; W / scale promotes bfloat16 with float16 to float32, so the ratio is a float32 quotient.
    /// </summary>
    public static (sbyte[] Stored, Half[] Scales) FromBFloat16(float[] w, int rows, int cols, int bits)
    {
        int maxLevel = (1 << (bits - 1)) - 1;
        var levels = new sbyte[rows * cols];
        var scales = new Half[rows];
        for (int r = 0; r < rows; r++)
        {
            float max = 0f;
            for (int c = 0; c < cols; c++) max = Math.Max(max, Math.Abs(w[r * cols + c]));
            var scale = (Half)RoundToBFloat16(max / maxLevel);
            scales[r] = scale;
            for (int c = 0; c < cols; c++) levels[r * cols + c] = Level(w[r * cols + c] / (float)scale);
        }
        return (bits == 4 ? Pack(levels, rows, cols) : levels, scales);
    }

    /// <summary>round-half-to-even to int8, wrapping like a C cast on x86; 0/0 (an all-zero row) gives 0 as in the kit.</summary>
    private static sbyte Level(float ratio) =>
        float.IsNaN(ratio) ? (sbyte)0 : unchecked((sbyte)(int)MathF.Round(ratio, MidpointRounding.ToEven));

    /// <summary>byte j of a row = (q[2j] &lt;&lt; 4) | (q[2j+1] &amp; 0x0F).</summary>
    private static sbyte[] Pack(sbyte[] levels, int rows, int cols)
    {
        var packed = new sbyte[rows * cols / 2];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols / 2; j++)
                packed[r * cols / 2 + j] = unchecked((sbyte)((levels[r * cols + 2 * j] << 4) | (levels[r * cols + 2 * j + 1] & 0x0F)));
        return packed;
    }

    private static float RoundToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        bits = (bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u;
        return BitConverter.UInt32BitsToSingle(bits);
    }
}
