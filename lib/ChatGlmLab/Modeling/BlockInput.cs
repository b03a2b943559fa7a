using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>
/// Input of a <see cref="GLMBlock"/> and of its <see cref="SelfAttention"/>: hidden states [batch, seq, hidden]
/// (for the attention: the block's layer-normed ones) and what every layer of the forward pass shares.
/// </summary>
public sealed record BlockInput(Tensor Hidden, AttentionContext Context);
