using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>
/// ChatGLM's 2-D rotary position encoding. Each head's channels are split in two halves: the first
/// half is rotated by the token position (position_ids[:, 0]), the second by the block position
/// (position_ids[:, 1]). Within a half: x·cos + rotate_half(x)·sin with emb = cat(freqs, freqs).
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>
    /// inv_freq = 1 / 10000^(arange(0, d, 2) / d) for d = head_dim / 2, rounded to float16 as upstream
    /// does (it stores the buffer with .half()), then used in float32 in a float32 model.
    /// </summary>
    public static float[] InverseFrequencies(int headDim)
    {
        int d = headDim / 2;
        var inv = new float[d / 2];
        for (int i = 0; i < inv.Length; i++)
        {
            float exponent = (float)(2 * i) / d;                 // arange(0, d, 2).float() / d, in float32
            float value = 1f / MathF.Pow(10000f, exponent);      // float32 as in torch
            inv[i] = (float)(Half)value;                         // .half()
        }
        return inv;
    }

    /// <summary>
    /// cos/sin for the given 2-D positions, shaped [batch, seq, 1, head_dim] so they broadcast over
    /// heads: channels [0, d) use the token positions, [d, 2d) the block positions.
    /// Computed once per forward and shared by every layer.
    /// </summary>
    public static (Tensor Cos, Tensor Sin) Tables(Tensor positionIds, int headDim, ScalarType computeType)
    {
        // Upstream computes the angle table in the inv_freq buffer's dtype: float16 in a float16 model,
        // float32 otherwise (bfloat16 models compute in float32 and cast, as upstream's bf16 branch does).
        var tableType = computeType == ScalarType.Float16 ? ScalarType.Float16 : ScalarType.Float32;
        var inv = tensor(InverseFrequencies(headDim), device: positionIds.device).to(tableType);
        var pos = positionIds.to(tableType);                                   // [b, 2, s]
        var freqs = pos.unsqueeze(-1) * inv;                                   // [b, 2, s, d/2]
        var emb = cat([freqs, freqs], -1);                                     // [b, 2, s, d]
        var angles = emb.permute(0, 2, 1, 3).reshape(positionIds.shape[0], positionIds.shape[2], 1, headDim); // [b, s, 1, 2d]
        return (angles.cos().to(computeType), angles.sin().to(computeType));
    }

    /// <summary>x: [batch, seq, heads, head_dim]. Applies the rotation to both halves at once.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        long quarter = x.shape[3] / 4;
        // rotate_half within each half: [a, b] -> [-b, a] where a, b are the half's two quarters.
        var q = x.view(x.shape[0], x.shape[1], x.shape[2], 2, 2, quarter);
        var rotated = cat([q.select(4, 1).neg().unsqueeze(4), q.select(4, 0).unsqueeze(4)], 4).view(x.shape);
        return TensorMath.Add(x * cos, rotated * sin);
    }
}
