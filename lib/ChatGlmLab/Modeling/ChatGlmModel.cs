using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>
/// The ChatGLM transformer (upstream ChatGLMModel, the "transformer." prefix of the state dict):
/// word_embeddings → layers (GLMBlock) → final_layernorm, plus the optional P-Tuning prefix_encoder.
/// Hidden states are kept batch-first [batch, seq, hidden]; upstream's seq-first layout is an
/// implementation detail that does not change any value.
/// </summary>
public sealed class ChatGlmModel : nn.Module<ChatGlmModelInput, ChatGlmModelOutput>
{
    public Embedding word_embeddings;
    public ModuleList<GLMBlock> layers;
    public LayerNorm final_layernorm;
    public PrefixEncoder? prefix_encoder;

    public ChatGlmConfig Config { get; }

    /// <summary>
    /// How each layer is run; null = directly. Training sets it to run layers under gradient checkpointing
    /// (activations recomputed in backward instead of kept). A runner returns what <c>block.forward(input)</c> does.
    /// </summary>
    public Func<GLMBlock, BlockInput, Tensor>? LayerRunner { get; set; }

    /// <summary>Dropout probability on the prefix key/values in training mode (upstream: 0.1).</summary>
    public double PrefixDropout { get; set; } = 0.1;

    public ChatGlmModel(ChatGlmConfig config, ModuleFactory factory) : base("ChatGLMModel")
    {
        Config = config;
        word_embeddings = new Embedding(config.VocabSize, config.HiddenSize, factory);
        layers = new ModuleList<GLMBlock>(Enumerable.Range(0, config.NumLayers).Select(i => new GLMBlock(config, i, factory)).ToArray());
        final_layernorm = new LayerNorm(config.HiddenSize, config.LayerNormEpsilon, factory);
        if (config.PreSeqLen != null) prefix_encoder = new PrefixEncoder(config, factory);
        RegisterComponents();
    }

    /// <summary>Attaches (or replaces) the P-Tuning v2 prefix encoder.</summary>
    public void SetPrefixEncoder(PrefixEncoder? encoder)
    {
        register_module(nameof(prefix_encoder), null!);
        prefix_encoder = encoder;
        if (encoder != null) register_module(nameof(prefix_encoder), encoder);
    }

    public override ChatGlmModelOutput forward(ChatGlmModelInput input)
    {
        var (inputIds, positionIds, attentionMask) = input;
        long batch = inputIds.shape[0], seq = inputIds.shape[1];
        var cache = input.Cache;
        bool firstStep = cache == null || cache.Length == 0;

        if (firstStep && (positionIds is null || attentionMask is null))
        {
            // Same rule as upstream: when not given, both are derived from the token ids.
            var layout = ChatGlmInputs.Layout(inputIds.cpu().data<long>().ToArray(), batch, seq, Config);
            attentionMask ??= ChatGlmInputs.BuildAttentionMask(layout, seq, inputIds.device);
            positionIds ??= ChatGlmInputs.BuildPositionIds(layout, seq, inputIds.device);
        }
        else if (positionIds is null)
            throw new ArgumentException("decode steps (non-empty cache) need explicit position ids");

        var hidden = word_embeddings.forward(inputIds);
        var dtype = hidden.dtype;

        PrefixKeyValues? prefix = null;
        if (prefix_encoder != null)
        {
            if (firstStep)
            {
                prefix = PrefixKeyValuesFor(batch, dtype);
                if (cache != null)
                {
                    for (int i = 0; i < layers.Count; i++) cache.Update(i, prefix.Keys[i], prefix.Values[i]);
                    cache.Advance(prefix.Length);
                }
            }
            if (attentionMask is not null)
            {
                // P visible columns in front, whenever a mask is used (upstream does this on every call).
                var prefixColumns = zeros([batch, 1, attentionMask.shape[2], Config.PreSeqLen!.Value], ScalarType.Bool, attentionMask.device);
                attentionMask = cat([prefixColumns, attentionMask.expand(batch, -1, -1, -1)], 3);
            }
        }

        var (cos, sin) = RotaryEmbedding.Tables(positionIds, Config.HeadDim, dtype);
        // Training in bfloat16 on a CPU keeps the explicit (upstream) attention: libtorch's bfloat16 CPU kernel of
        // scaled_dot_product_attention is slow (SelfAttention.FastAttention), and the GUIDE measured explicit attention ahead there.
        // In float32 the fused kernel is the faster one: LoRA, P-Tuning v2 and full fine-tuning of the shipped base model
        // trained 13-23% faster with it, the mid-size benchmark model equally fast (environment.md, "bf16 or float32 on a CPU").
        bool explicitAttention = input.ExactUpstreamAttention || (training && is_grad_enabled() && dtype == ScalarType.BFloat16 && hidden.device_type == DeviceType.CPU);
        var (additive, rowKeep) = explicitAttention ? (null, null) : AttentionContext.PrepareMask(attentionMask, dtype);
        var ctx = new AttentionContext
        {
            Cos = cos, Sin = sin, Mask = attentionMask, AdditiveMask = additive, QueryRowKeep = rowKeep,
            Cache = cache, Prefix = prefix, ExactUpstreamAttention = explicitAttention,
        };

        var states = input.OutputHiddenStates ? new List<Tensor>() : null;
        foreach (var layer in layers)
        {
            states?.Add(hidden);
            // Each block runs in its own dispose scope, so only its output outlives it. PyTorch frees a temporary as soon
            // as nothing references it; a TorchSharp temporary lives until its scope ends, so without this a prompt pass
            // kept every layer's activations until generation ended (1.5 GB above the weights for a 256-token prompt at
            // real size) and a training step until the step ended. What backward needs is held by the autograd graph
            // itself, and the KV cache's buffers live outside any scope.
            using var scope = NewDisposeScope();
            var layerInput = new BlockInput(hidden, ctx);
            hidden = (LayerRunner is { } run ? run(layer, layerInput) : layer.forward(layerInput)).MoveToOuterDisposeScope();
        }
        hidden = final_layernorm.forward(hidden);
        states?.Add(hidden);
        cache?.Advance(seq);
        return new ChatGlmModelOutput(hidden, states);
    }

    /// <summary>
    /// Upstream get_prompt: prefix_encoder(arange(P)) viewed [batch, P, 2·layers, heads, head_dim];
    /// layer i takes index 2i as keys and 2i+1 as values. Returned as [batch, heads, P, head_dim].
    /// </summary>
    public PrefixKeyValues PrefixKeyValuesFor(long batch, ScalarType dtype)
    {
        if (prefix_encoder == null) throw new InvalidOperationException("model has no prefix encoder");
        long p = Config.PreSeqLen!.Value;
        var ids = arange(p, device: word_embeddings.weight.device).unsqueeze(0).expand(batch, -1);
        var kv = prefix_encoder.forward(ids).to(dtype)
            .view(batch, p, 2L * Config.NumLayers, Config.NumAttentionHeads, Config.HeadDim);
        kv = nn.functional.dropout(kv, PrefixDropout, training);
        var perLayer = kv.permute(2, 0, 3, 1, 4);                     // [2L, b, heads, P, head_dim]
        var keys = Enumerable.Range(0, Config.NumLayers).Select(i => perLayer[2 * i]).ToList();
        var values = Enumerable.Range(0, Config.NumLayers).Select(i => perLayer[2 * i + 1]).ToList();
        return new PrefixKeyValues(keys, values);
    }
}
