using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>Input of the transformer (<see cref="ChatGlmModel"/>).</summary>
/// <param name="InputIds">[batch, seq] int64</param>
/// <param name="PositionIds">[batch, 2, seq]; built from the ids when null (first step only)</param>
/// <param name="AttentionMask">[batch, 1, seq, seq] bool, true = masked; built from the ids when null (first step only)</param>
public sealed record ChatGlmModelInput(Tensor InputIds, Tensor? PositionIds = null, Tensor? AttentionMask = null)
{
    /// <summary>Cache for incremental decoding: filled with this call's keys/values.</summary>
    public KeyValueCache? Cache { get; init; }
    /// <summary>Return the input of every layer and the final layer norm's output.</summary>
    public bool OutputHiddenStates { get; init; }
    /// <summary>Use the literal upstream attention arithmetic instead of scaled_dot_product_attention.</summary>
    public bool ExactUpstreamAttention { get; init; }
}
