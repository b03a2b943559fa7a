using ChatGlmLab.Runtime;
using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>
/// The attention mask and 2-D position ids the model builds when the caller gives none, exactly like
/// upstream's get_masks / get_position_ids: the context is everything before the first &lt;sop&gt;
/// (bidirectional), the rest is causal; the mask position is the first [gMASK], else the first [MASK].
/// </summary>
public static class ChatGlmInputs
{
    /// <summary>Per row: index of the first bos (&lt;sop&gt;) and of the mask token.</summary>
    public readonly record struct RowLayout(long ContextLength, long MaskPosition);

    public static RowLayout[] Layout(long[] ids, long batch, long seq, ChatGlmConfig config)
    {
        var rows = new RowLayout[batch];
        for (long r = 0; r < batch; r++)
        {
            var row = new ReadOnlySpan<long>(ids, (int)(r * seq), (int)seq);
            int ctx = row.IndexOf(config.BosTokenId);
            if (ctx < 0)
                throw new ArgumentException($"input row {r} has no <sop> (bos id {config.BosTokenId}); ChatGLM inputs end a prompt with [gMASK] <sop>");
            int mask = row.IndexOf(config.GMaskTokenId);
            if (mask < 0) mask = row.IndexOf(config.MaskTokenId);
            if (mask < 0)
                throw new ArgumentException($"input row {r} has neither [gMASK] ({config.GMaskTokenId}) nor [MASK] ({config.MaskTokenId})");
            rows[r] = new RowLayout(ctx, mask);
        }
        return rows;
    }

    /// <summary>Boolean mask [batch, 1, seq, seq], true = masked.</summary>
    public static Tensor BuildAttentionMask(RowLayout[] rows, long seq, Device device)
    {
        var ctx = tensor(rows.Select(r => r.ContextLength).ToArray(), device: device).view(-1, 1, 1);
        var idx = arange(seq, device: device);
        var causal = idx.view(1, 1, -1) <= idx.view(1, -1, 1);          // key <= query
        var visible = causal.logical_or(idx.view(1, 1, -1) < ctx);       // key in context
        return visible.logical_not().unsqueeze(1);
    }

    /// <summary>Position ids [batch, 2, seq]: row 0 token positions (frozen at the mask position from &lt;sop&gt; on), row 1 block positions.</summary>
    public static Tensor BuildPositionIds(RowLayout[] rows, long seq, Device device)
    {
        var ctx = tensor(rows.Select(r => r.ContextLength).ToArray(), device: device).view(-1, 1);
        // Block positions count from 1 at <sop>: idx - (ctx - 1) (TorchSharp's sub takes no alpha, so no Scalar is made).
        var blockOrigin = tensor(rows.Select(r => r.ContextLength - 1).ToArray(), device: device).view(-1, 1);
        var maskPos = tensor(rows.Select(r => r.MaskPosition).ToArray(), device: device).view(-1, 1);
        var idx = arange(seq, device: device).view(1, -1);
        var inBlock = idx >= ctx;
        var position = where(inBlock, maskPos.expand(-1, seq), idx.expand(rows.Length, -1));
        var block = where(inBlock, idx.sub(blockOrigin), zeros_like(position));
        return stack([position, block], 1);
    }

    /// <summary>Decode-step positions without given position ids: [mask_position, total_length - context_length].</summary>
    public static Tensor DecodePositionIds(RowLayout[] rows, long totalLength, Device device)
    {
        var data = new long[rows.Length * 2];
        for (int r = 0; r < rows.Length; r++)
        {
            data[2 * r] = rows[r].MaskPosition;
            data[2 * r + 1] = totalLength - rows[r].ContextLength;
        }
        return tensor(data, [rows.Length, 2, 1], device: device);
    }
}
