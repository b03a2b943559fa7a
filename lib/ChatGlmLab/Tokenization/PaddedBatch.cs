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
