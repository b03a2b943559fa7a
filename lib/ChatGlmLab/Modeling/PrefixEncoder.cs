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
        foreach (var (name, p) in trans.named_parameters())
        {
            long fanIn = name.EndsWith("weight") ? p.shape[1] : (long)(p.shape[0] == 0 ? 1 : FanInOfBias(trans, name));
            double bound = 1.0 / Math.Sqrt(fanIn);
            p.uniform_(-bound, bound);
        }
    }

    private static long FanInOfBias(nn.Module<Tensor, Tensor> seq, string biasName)
    {
        string weightName = biasName[..^"bias".Length] + "weight";
        return seq.named_parameters().First(p => p.name == weightName).parameter.shape[1];
    }

    /// <param name="prefixIds">[batch, P] int64</param>
    /// <returns>[batch, P, 2·layers·hidden]</returns>
    public override Tensor forward(Tensor prefixIds)
    {
        var x = embedding.forward(prefixIds);
        return trans == null ? x : trans.forward(x);
    }
}
