namespace ChatGlmLab.Tokenization;

/// <summary>
/// A left-padded batch exactly as upstream <c>ChatGLMTokenizer._pad</c> returns it for
/// <c>tokenizer(texts, padding=True)</c>: <c>InputIds</c> [B][L]; <c>AttentionMask</c> [B][L][L] with
/// ChatGLM's polarity (true = masked, not attended; pad rows and pad columns are masked);
/// <c>PositionIds</c> [B][2][L] (row 0 token positions, row 1 block positions; 0 over the pads).
/// </summary>
public sealed record PaddedBatch(long[][] InputIds, bool[][][] AttentionMask, long[][][] PositionIds)
{
    public int BatchSize => InputIds.Length;
    public int SequenceLength => InputIds.Length == 0 ? 0 : InputIds[0].Length;
}

/// <summary>
/// The attention mask and 2-D positions the model builds for one unpadded sequence (upstream
/// <c>get_masks</c> / <c>get_position_ids</c>): <c>AttentionMask</c> [L][L] (true = masked),
/// <c>PositionIds</c> [2][L].
/// </summary>
public sealed record SequenceLayout(int ContextLength, int MaskPosition, bool UseGMask, bool[][] AttentionMask, long[][] PositionIds);
