using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>
/// P-Tuning v2 prefix encoder, as in the upstream modeling file: prefix token ids 0..P-1 are embedded
/// straight to 2·layers·hidden values per token, or (prefix_projection) embedded to hidden and passed
/// through Linear → tanh → Linear. Parameter names: embedding.weight, trans.0.*, trans.2.*.
/// Initialised like torch's defaults (Embedding N(0,1), Linear U(±1/sqrt(in))), as upstream trains from them.
/// </summary>
public sealed class PrefixEncoder : nn.Module<Tensor, Tensor>
{
    public Embedding embedding;
    public nn.Module<Tensor, Tensor>? trans;

    public PrefixEncoder(ChatGlmConfig config, ModuleFactory factory) : base("PrefixEncoder")
    {
        int preSeqLen = config.PreSeqLen ?? throw new ArgumentException("pre_seq_len is required for a prefix encoder");
        long kvSize = 2L * config.NumLayers * config.HiddenSize;
        bool projection = config.PrefixProjection ?? false;
        embedding = new Embedding(preSeqLen, projection ? config.HiddenSize : kvSize, factory);
        if (projection)
            trans = nn.Sequential(
                new Linear(config.HiddenSize, config.HiddenSize, true, factory),
                nn.Tanh(),
                new Linear(config.HiddenSize, kvSize, true, factory));
        RegisterComponents();
        if (factory.Init == ParameterInit.Random && factory.Device.type != DeviceType.META)
            ResetParameters();
    }

    private void ResetParameters()
    {
        using var _ = no_grad();
        embedding.weight.normal_(0, 1);
        if (trans == null) return;
        // torch's Linear default: weight and bias uniform in ±1/sqrt(in_features), in that order per layer.
        foreach (var linear in trans.children().OfType<Linear>())
        {
            double bound = 1.0 / Math.Sqrt(linear.InFeatures);
            linear.weight.uniform_(-bound, bound);
            linear.bias?.uniform_(-bound, bound);
        }
    }

    /// <param name="prefixIds">[batch, P] int64</param>
    /// <returns>[batch, P, 2·layers·hidden]</returns>
    public override Tensor forward(Tensor prefixIds)
    {
        var x = embedding.forward(prefixIds);
        return trans == null ? x : trans.forward(x);
    }
}
