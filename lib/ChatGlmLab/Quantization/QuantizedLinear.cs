using ChatGlmLab.Modeling;
using ChatGlmLab.Runtime;
using TorchSharp;
using Parameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch;

namespace ChatGlmLab.Quantization;

/// <summary>
/// A linear layer with ChatGLM's weight-only quantized weight (upstream quantization.py QuantizedLinear).
/// State-dict keys as upstream: <c>weight</c> int8 [out, in] (4 bits: [out, in/2], two values per byte),
/// <c>weight_scale</c> float16 [out], <c>bias</c> in the model dtype.
/// The int weight and the scales are buffers: they never require grad and optimizers never see them.
/// Converting the model's dtype (<c>model.to(bf16)</c>) leaves the int8 weight alone but converts the
/// floating scales too, as upstream's <c>.half()</c> / <c>.bfloat16()</c> does.
/// The bias is a parameter frozen by default (upstream: requires_grad=False); Freeze fine-tuning may unfreeze it.
/// Forward dequantizes into the input's dtype and runs a float matmul, so gradients flow to the input
/// (adapters before or after this layer train) while the quantized weight stays constant; when a gradient
/// is needed, backward dequantizes again instead of keeping the float weight (see DequantizedLinearFunction); both write
/// into a reused per-thread buffer (DequantizationScratch).
/// Decode-sized inference calls skip the float matrix altogether (see <see cref="QuantizedMatVec"/>).
/// </summary>
public sealed class QuantizedLinear : nn.Module<Tensor, Tensor>, IPackedLinear
{
    public Tensor weight;
    public Tensor weight_scale;
    public Parameter? bias;

    public int Bits { get; }
    public long InFeatures { get; }
    public long OutFeatures { get; }
    public Device Device => weight.device;

    /// <summary>Dequantization used by forward; null = <see cref="Dequantization.DefaultFor"/> the input dtype.</summary>
    public DequantizationMode? Mode { get; set; }

    /// <summary>
    /// Use <see cref="QuantizedMatVec"/> for the calls it covers (decode: at most 8 rows on CPU, no gradient, the
    /// Float32 mode); false forces dequantize + matmul everywhere (to compare the two paths).
    /// </summary>
    public bool FusedDecode { get; set; } = true;

    /// <summary>How many forward calls took the fused kernel (lets tests and benchmarks see which path ran).</summary>
    public long FusedCallCount { get; private set; }

    /// <summary>Shape of the stored int8 weight: [out, in·bits/8].</summary>
    public long[] StoredWeightShape => [OutFeatures, InFeatures * Bits / 8];

    private QuantizedLinear(long inFeatures, long outFeatures, int bits, Tensor weight, Tensor weightScale, Parameter? bias)
        : base("QuantizedLinear")
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Bits = bits;
        // Module-owned: must not be freed by whatever dispose scope the caller happens to be in.
        this.weight = weight.DetachFromDisposeScope();
        weight_scale = weightScale.DetachFromDisposeScope();
        this.bias = bias;
        RegisterComponents();
    }

    /// <summary>
    /// An empty slot to be filled from a checkpoint (no float weight is allocated). With random init it is
    /// filled by quantizing a normal(0, 0.02) weight, like a float Linear's init.
    /// </summary>
    public static QuantizedLinear Create(long inFeatures, long outFeatures, int bits, bool hasBias, ModuleFactory factory)
    {
        SymmetricRowQuantization.CheckBits(bits);
        if (bits == 4 && inFeatures % 2 != 0)
            throw new ArgumentException($"int4 quantization packs two input columns per byte: in_features {inFeatures} must be even");
        var layer = new QuantizedLinear(inFeatures, outFeatures, bits,
            empty([outFeatures, inFeatures * bits / 8], ScalarType.Int8, factory.Device),
            empty([outFeatures], ScalarType.Float16, factory.Device),
            hasBias ? Frozen(factory.Zeros(outFeatures)) : null);
        if (factory.Init == ParameterInit.Random && factory.Device.type != DeviceType.META)
        {
            using var scope = NewDisposeScope();
            layer.SetFromFloat(empty([outFeatures, inFeatures], factory.DType, factory.Device).normal_(0, 0.02), "random init");
        }
        return layer;
    }

    /// <summary>
    /// The block-linear factory of a <paramref name="bits"/>-bit model (<see cref="ModuleFactory.BlockLinear"/>): every
    /// block linear becomes an empty slot via <see cref="Create"/>, with a bias as the float ones have — except those
    /// <paramref name="keepFloat"/> names, which stay float linears (the layers Freeze trains on a quantized base).
    /// </summary>
    public static BlockLinearFactory SlotFactory(int bits, Func<string, bool>? keepFloat = null)
    {
        SymmetricRowQuantization.CheckBits(bits);
        return (name, inFeatures, outFeatures, factory) => keepFloat?.Invoke(name) == true
            ? new Linear(inFeatures, outFeatures, true, factory)
            : Create(inFeatures, outFeatures, bits, hasBias: true, factory);
    }

    /// <summary>Quantizes a float linear's current weight (its bias is kept, frozen).</summary>
    public static QuantizedLinear FromLinear(Linear linear, int bits)
    {
        var q = SymmetricRowQuantization.Quantize(linear.weight, bits);
        Parameter? bias = null;
        if (linear.bias is not null)
            using (no_grad()) bias = Frozen(new Parameter(linear.bias.detach().clone().DetachFromDisposeScope()));
        return new QuantizedLinear(linear.InFeatures, linear.OutFeatures, bits, q.Weight, q.Scale, bias);
    }

    /// <summary>Quantizes a float weight [out, in] into this slot (quantize-on-load). <paramref name="source"/> names it in errors.</summary>
    public void SetFromFloat(Tensor floatWeight, string source)
    {
        if (!floatWeight.shape.SequenceEqual([OutFeatures, InFeatures]))
            throw new InvalidDataException($"{source}: float weight has shape [{string.Join(", ", floatWeight.shape)}] but the layer is [{OutFeatures}, {InFeatures}]");
        SymmetricRowQuantization.QuantizeInto(floatWeight, Bits, weight, weight_scale);   // on CPU written in place, no temporary
    }

    /// <summary>Copies an already-quantized weight (checked: int8, [out, in·bits/8]).</summary>
    public void SetQuantizedWeight(Tensor storedWeight, string source)
    {
        if (storedWeight.dtype != ScalarType.Int8)
            throw new InvalidDataException($"{source}: quantized weight must be int8, got {storedWeight.dtype}");
        if (!storedWeight.shape.SequenceEqual(StoredWeightShape))
            throw new InvalidDataException($"{source}: quantized weight has shape [{string.Join(", ", storedWeight.shape)}] but a {Bits}-bit " +
                $"QuantizedLinear {InFeatures}->{OutFeatures} stores [{string.Join(", ", StoredWeightShape)}]");
        using (no_grad()) weight.copy_(storedWeight);
    }

    /// <summary>Copies the per-row scales (checked: floating point, [out]); stored as float16.</summary>
    public void SetScale(Tensor scale, string source)
    {
        if (!scale.is_floating_point())
            throw new InvalidDataException($"{source}: weight_scale must be floating point, got {scale.dtype}");
        if (!scale.shape.SequenceEqual([OutFeatures]))
            throw new InvalidDataException($"{source}: weight_scale has shape [{string.Join(", ", scale.shape)}] but the layer has {OutFeatures} output rows");
        using (no_grad()) weight_scale.copy_(scale);
    }

    /// <summary>The float weight [out, in] this layer computes with, in <paramref name="dtype"/>.</summary>
    public Tensor DequantizedWeight(ScalarType dtype, DequantizationMode? mode = null) =>
        Dequantization.Dequantize(weight, weight_scale, Bits, mode ?? Mode ?? Dequantization.DefaultFor(dtype), dtype);

    public override Tensor forward(Tensor x)
    {
        var mode = Mode ?? Dequantization.DefaultFor(x.dtype);
        var b = bias is null || bias.dtype == x.dtype ? bias : bias.to(x.dtype);
        if (is_grad_enabled() && (x.requires_grad || b is { requires_grad: true }))
            return DequantizedLinearFunction.Apply(x, weight, weight_scale, b, Bits, mode);
        // Decode: read the packed weight once instead of materialising a float copy (memory-bound at batch 1).
        if (FusedDecode && QuantizedMatVec.CanMultiply(x, weight, weight_scale, b, mode))
        {
            FusedCallCount++;
            return QuantizedMatVec.Multiply(x, weight, weight_scale, b, Bits);
        }
        // Prefill and other multi-row inference: the matrix is dequantized into a reused buffer, multiplied, and left there,
        // in float32 for bf16 activations where the CPU emulates bf16 (Runtime/MatmulPrecision).
        using var w = Dequantization.DequantizeForMatmul(weight, weight_scale, Bits, mode, MatmulPrecision.ComputeType(x));
        return MatmulPrecision.Linear(x, w, b);
    }

    private static Parameter Frozen(Parameter p)
    {
        p.requires_grad = false;
        return p;
    }
}
