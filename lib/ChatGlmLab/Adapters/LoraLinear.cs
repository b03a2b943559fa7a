using ChatGlmLab.Runtime;
using ChatGlmLab.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Adapters;

/// <summary>
/// LoRA around a linear layer, PEFT's formulation: out = base(x) + B(A(dropout(x)))·(alpha / r).
/// A is Kaiming-uniform initialised, B zero, so a fresh adapter leaves the model unchanged.
/// The base layer (float or quantized) is kept as the child "base_layer" and is never trained here;
/// the adapter weights live in float32 whatever the base dtype.
/// </summary>
public sealed class LoraLinear : nn.Module<Tensor, Tensor>
{
    public nn.Module<Tensor, Tensor> base_layer;
    public Linear lora_A;
    public Linear lora_B;

    public int Rank { get; }
    public double Alpha { get; }
    public double Scaling => Alpha / Rank;
    public double Dropout { get; }
    public bool Merged { get; private set; }
    // Made once, not converted per call: see Runtime/Scalars.
    private readonly Scalar _scalingScalar;

    public LoraLinear(nn.Module<Tensor, Tensor> baseLayer, long inFeatures, long outFeatures, int rank, double alpha, double dropout, Device device)
        : base("LoraLinear")
    {
        base_layer = baseLayer;
        Rank = rank;
        Alpha = alpha;
        Dropout = dropout;
        var factory = new ModuleFactory(ScalarType.Float32, device, ParameterInit.Random);
        lora_A = new Linear(inFeatures, rank, false, factory);
        lora_B = new Linear(rank, outFeatures, false, factory);
        using (no_grad())
        {
            double bound = 1.0 / Math.Sqrt(inFeatures);   // kaiming_uniform_(a = sqrt(5)) on [r, in]
            lora_A.weight.uniform_(-bound, bound);
            lora_B.weight.zero_();
        }
        _scalingScalar = Scaling.ToScalar();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = base_layer.forward(x);
        if (Merged) return y;
        var h = nn.functional.dropout(x.to(lora_A.weight.dtype), Dropout, training);
        return TensorMath.Add(y, (lora_B.forward(lora_A.forward(h)) * _scalingScalar).to(y.dtype));
    }

    /// <summary>The weight delta B·A·scaling, [out, in].</summary>
    public Tensor Delta() => lora_B.weight.matmul(lora_A.weight) * Scaling;

    /// <summary>Adds the delta into the base weight (W += B·A·scaling); forward then skips the adapter.</summary>
    public void Merge()
    {
        if (Merged) return;
        var baseLinear = base_layer as Linear
            ?? throw new InvalidOperationException("LoRA can only be merged into a float linear layer (not a quantized one)");
        using (no_grad()) baseLinear.weight.add_(Delta().to(baseLinear.weight.dtype), Scalars.One);
        Merged = true;
    }

    public void Unmerge()
    {
        if (!Merged) return;
        var baseLinear = (Linear)base_layer;
        using (no_grad()) baseLinear.weight.sub_(Delta().to(baseLinear.weight.dtype));   // TorchSharp's sub has no alpha argument: no Scalar is made
        Merged = false;
    }
}
