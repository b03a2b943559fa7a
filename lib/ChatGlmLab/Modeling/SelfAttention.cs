using ChatGlmLab.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>
/// ChatGLM self-attention. <c>query_key_value</c> projects to [heads, 3 * head_dim] per position and is
/// split into q, k, v per head (not as three hidden-size blocks). Scores follow upstream's
/// "layer-scaled" form: q / (sqrt(head_dim) * (layer+1)), masked positions filled with -10000,
/// multiplied back by (layer+1), softmax in float32.
/// The linears are held as plain modules so adapters (LoRA) and quantized layers can replace them.
/// </summary>
public sealed class SelfAttention : nn.Module<BlockInput, Tensor>
{
    public nn.Module<Tensor, Tensor> query_key_value;
    public nn.Module<Tensor, Tensor> dense;

    private readonly int _heads;
    private readonly int _headDim;
    private readonly int _layerIndex;
    // Held for the module's lifetime, not converted per call: see Runtime/Scalars.
    private static readonly TorchSharp.Scalar MaskFill = (-10000.0).ToScalar();
    private readonly TorchSharp.Scalar _queryDivisor;
    private readonly TorchSharp.Scalar _layerCoefficient;

    public SelfAttention(ChatGlmConfig config, int layerIndex, ModuleFactory factory) : base("SelfAttention")
    {
        _heads = config.NumAttentionHeads;
        _headDim = config.HeadDim;
        _layerIndex = layerIndex;
        _queryDivisor = (Math.Sqrt(_headDim) * (layerIndex + 1)).ToScalar();
        _layerCoefficient = ((double)(layerIndex + 1)).ToScalar();
        query_key_value = factory.NewBlockLinear($"transformer.layers.{layerIndex}.attention.query_key_value", config.HiddenSize, 3L * config.HiddenSize);
        dense = factory.NewBlockLinear($"transformer.layers.{layerIndex}.attention.dense", config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <param name="input">the block's layer-normed hidden states [batch, seq, hidden] and the pass's shared context</param>
    public override Tensor forward(BlockInput input)
    {
        var (x, ctx) = input;
        long b = x.shape[0], s = x.shape[1];
        var qkv = query_key_value.forward(x).view(b, s, _heads, 3 * _headDim);
        var parts = qkv.split(_headDim, -1);
        var q = RotaryEmbedding.Apply(parts[0], ctx.Cos, ctx.Sin).transpose(1, 2);   // [b, h, s, d]
        var k = RotaryEmbedding.Apply(parts[1], ctx.Cos, ctx.Sin).transpose(1, 2);
        var v = parts[2].transpose(1, 2);

        // Prefix (P-Tuning v2) keys/values come first; they are not rotary-encoded.
        if (ctx.Prefix is { } prefix && ctx.Cache == null)
        {
            k = cat([prefix.Keys[_layerIndex].to(k.dtype), k], 2);
            v = cat([prefix.Values[_layerIndex].to(v.dtype), v], 2);
        }
        if (ctx.Cache != null)
            (k, v) = ctx.Cache.Update(_layerIndex, k, v);

        var context = ctx.ExactUpstreamAttention
            ? UpstreamAttention(q, k, v, ctx.Mask)
            : FastAttention(q, k, v, ctx);
        var merged = context.transpose(1, 2).reshape(b, s, _heads * _headDim);
        return dense.forward(merged);
    }

    /// <summary>Literal port of upstream attention_fn (used in bfloat16 training, and to verify the fast path).</summary>
    private Tensor UpstreamAttention(Tensor q, Tensor k, Tensor v, Tensor? mask)
    {
        var scores = (q / _queryDivisor).matmul(k.transpose(-1, -2));
        if (mask is not null) scores = scores.masked_fill(mask, MaskFill);
        scores = scores.to(ScalarType.Float32) * _layerCoefficient;
        var probs = scores.softmax(-1).to(v.dtype);
        return probs.matmul(v);
    }

    /// <summary>
    /// scaled_dot_product_attention with an additive mask. Equal to upstream: on a partly masked row
    /// both give exactly zero weight to masked keys (exp underflows); a fully masked row (left-pad rows
    /// in tokenizer-built masks) is uniform upstream, which we reproduce by zeroing that row's query
    /// (all scores equal) and unmasking it. bfloat16 decode steps (a few query rows over the KV cache) run the same
    /// arithmetic in Kernels/DecodeAttention: libtorch's bfloat16 kernel took 1.33 ms per real-size layer at 300 cached
    /// positions against 0.22 ms there (0.18 against 0.16 ms at the mid-size shape), while its float32 kernel is the
    /// faster of the two (0.17 against 0.21 ms; 0.05 against 0.11 ms), so float32 keeps it.
    /// </summary>
    private static Tensor FastAttention(Tensor q, Tensor k, Tensor v, AttentionContext ctx)
    {
        if (ctx.QueryRowKeep is not null) q = q * ctx.QueryRowKeep;
        return q.dtype == ScalarType.BFloat16 && DecodeAttention.CanAttend(q, k, v, ctx.AdditiveMask)
            ? DecodeAttention.Attend(q, k, v, ctx.AdditiveMask)
            : nn.functional.scaled_dot_product_attention(q, k, v, ctx.AdditiveMask);
    }
}
