using ChatGlmLab.Kernels;
using ChatGlmLab.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>How new parameters are filled: left uninitialised (a checkpoint will be loaded into them) or randomly initialised.</summary>
public enum ParameterInit { Empty, Random }

/// <summary>
/// Makes one linear of a GLMBlock (the four that ChatGLM quantizes), given its sizes and the factory to allocate with.
/// </summary>
/// <param name="name">The linear's state-dict prefix, e.g. "transformer.layers.27.mlp.dense_h_to_4h" (a factory may treat some differently).</param>
/// <param name="inFeatures">Input size: the columns of the [out, in] weight.</param>
/// <param name="outFeatures">Output size: the rows of the weight.</param>
/// <param name="factory">The dtype, device and initialisation to allocate with (the factory whose <see cref="ModuleFactory.BlockLinear"/> this is).</param>
public delegate nn.Module<Tensor, Tensor> BlockLinearFactory(string name, long inFeatures, long outFeatures, ModuleFactory factory);

/// <summary>Where and how the modules allocate their parameters.</summary>
public sealed record ModuleFactory(ScalarType DType, Device Device, ParameterInit Init)
{
    /// <summary>
    /// How the four linears of every block are made; null = float <see cref="Linear"/>. Supplied from outside
    /// Modeling: Quantization's QuantizedLinear.SlotFactory(bits) makes empty quantized slots, so that no float
    /// weight is ever allocated for them (upstream: quantize(empty_init=True)).
    /// </summary>
    public BlockLinearFactory? BlockLinear { get; init; }

    public Parameter Weight(long[] shape, double std) =>
        Create(shape, t => t.normal_(0, std));

    /// <summary>A linear of a GLMBlock: <see cref="BlockLinear"/>'s, or a float Linear with bias.</summary>
    public nn.Module<Tensor, Tensor> NewBlockLinear(string name, long inFeatures, long outFeatures) =>
        BlockLinear is { } make ? make(name, inFeatures, outFeatures, this) : new Linear(inFeatures, outFeatures, true, this);

    public Parameter Zeros(params long[] shape) => Create(shape, t => t.zero_());
    public Parameter Ones(params long[] shape) => Create(shape, t => t.fill_(1));

    private Parameter Create(long[] shape, Func<Tensor, Tensor> init)
    {
        var t = empty(shape, DType, Device);
        if (Init == ParameterInit.Random && Device.type != DeviceType.META)
            using (no_grad()) init(t);
        return new Parameter(t);
    }
}

/// <summary>y = x Wᵀ + b, parameters named like torch.nn.Linear ("weight", "bias").</summary>
public sealed class Linear : nn.Module<Tensor, Tensor>, ILinearShape
{
    public Parameter weight;
    public Parameter? bias;
    public long InFeatures { get; }
    public long OutFeatures { get; }
    public Device Device => weight.device;

    public Linear(long inFeatures, long outFeatures, bool hasBias, ModuleFactory factory, string name = "Linear") : base(name)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        weight = factory.Weight([outFeatures, inFeatures], std: 0.02);
        bias = hasBias ? factory.Zeros(outFeatures) : null;
        RegisterComponents();
    }

    // Decode-sized calls (at most 8 rows, no gradient) read the weight straight from memory (Kernels/FloatMatVec):
    // libtorch's CPU matrix-vector product is up to ~2× slower than the memory allows, far more in bfloat16.
    // Other bf16 calls compute in float32 where the CPU emulates bf16 (Runtime/MatmulPrecision), unless this weight trains.
    public override Tensor forward(Tensor x)
    {
        if (FloatMatVec.CanMultiply(x, weight, bias)) return FloatMatVec.Multiply(x, weight, bias);
        bool trains = is_grad_enabled() && weight.requires_grad;
        if (MatmulPrecision.ComputeType(x) == x.dtype || weight.dtype != x.dtype || trains) return nn.functional.linear(x, weight, bias);
        return WidenedLinearFunction.Apply(x, weight, bias);
    }
}

/// <summary>Token embedding table, parameter named "weight" like torch.nn.Embedding.</summary>
public sealed class Embedding : nn.Module<Tensor, Tensor>
{
    public Parameter weight;

    public Embedding(long count, long dim, ModuleFactory factory) : base("Embedding")
    {
        weight = factory.Weight([count, dim], std: 0.02);
        RegisterComponents();
    }

    public override Tensor forward(Tensor ids)
    {
        long[] shape = [.. ids.shape, weight.shape[1]];
        return weight.index_select(0, ids.reshape(-1)).view(shape);
    }
}

/// <summary>LayerNorm over the last dimension, parameters "weight" and "bias" like torch.nn.LayerNorm.</summary>
public sealed class LayerNorm : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter bias;
    private readonly long[] _shape;
    private readonly double _eps;

    public LayerNorm(long dim, double eps, ModuleFactory factory) : base("LayerNorm")
    {
        _shape = [dim];
        _eps = eps;
        weight = factory.Ones(dim);
        bias = factory.Zeros(dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => nn.functional.layer_norm(x, _shape, weight, bias, _eps);
}
