using static TorchSharp.torch;

namespace ChatGlmLab.ModelInputs;

/// <summary>
/// One batch as the model consumes it.
/// InputIds and Labels: int64 [batch, seq], labels -100 where no loss is taken (prompt, padding).
/// AttentionMask: bool [batch, 1, seq, seq], true = masked; PositionIds: int64 [batch, 2, seq].
/// Mask and positions may be null, then the model derives them from the ids (fine for unpadded rows).
/// </summary>
public sealed record TrainingBatch(Tensor InputIds, Tensor Labels, Tensor? AttentionMask, Tensor? PositionIds)
{
    public long Rows => InputIds.shape[0];

    /// <summary>Tokens the model processes (padding included): what throughput is measured in.</summary>
    public long Tokens => InputIds.numel();
}
