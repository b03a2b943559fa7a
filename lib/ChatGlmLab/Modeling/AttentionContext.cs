using ChatGlmLab.Runtime;
using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>Everything the layers of one forward pass share: rotary tables, masks, cache, prefix.</summary>
public sealed class AttentionContext
{
    public required Tensor Cos { get; init; }
    public required Tensor Sin { get; init; }
    /// <summary>Boolean mask [batch, 1, query, key], true = masked (ChatGLM polarity); null = attend to everything.</summary>
    public Tensor? Mask { get; init; }
    /// <summary>The same mask as an additive float mask (-inf where masked) for the fast path.</summary>
    public Tensor? AdditiveMask { get; init; }
    /// <summary>[batch, 1, query, 1]: 0 for fully masked query rows, else 1; null when there are none.</summary>
    public Tensor? QueryRowKeep { get; init; }
    public KeyValueCache? Cache { get; init; }
    public PrefixKeyValues? Prefix { get; init; }
    public bool ExactUpstreamAttention { get; init; }

    /// <summary>Builds the fast-path forms of a boolean mask once per forward.</summary>
    public static (Tensor? Additive, Tensor? RowKeep) PrepareMask(Tensor? mask, ScalarType dtype)
    {
        if (mask is null) return (null, null);
        var fullyMasked = mask.all(-1, keepdim: true);                      // [b, 1, q, 1]
        bool anyFully = fullyMasked.any().item<bool>();
        var effective = anyFully ? mask.logical_and(fullyMasked.logical_not()) : mask;
        var additive = zeros(mask.shape, dtype, mask.device).masked_fill(effective, Scalars.MinusInfinity);
        var keep = anyFully ? fullyMasked.logical_not().to(dtype) : null;
        return (additive, keep);
    }
}

/// <summary>Per-layer prefix keys and values ([batch, heads, prefix_len, head_dim]) from P-Tuning v2.</summary>
public sealed record PrefixKeyValues(IReadOnlyList<Tensor> Keys, IReadOnlyList<Tensor> Values)
{
    public long Length => Keys[0].shape[2];
}
