namespace ChatGlmLab.Tokenization;

/// <summary>
/// The attention mask and 2-D positions the model builds for one unpadded sequence (upstream
/// <c>get_masks</c> / <c>get_position_ids</c>): <c>AttentionMask</c> [L][L] (true = masked),
/// <c>PositionIds</c> [2][L].
/// </summary>
public sealed record SequenceLayout(int ContextLength, int MaskPosition, bool UseGMask, bool[][] AttentionMask, long[][] PositionIds);
