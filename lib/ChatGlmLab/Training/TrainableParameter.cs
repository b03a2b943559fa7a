using ChatGlmLab.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ChatGlmLab.Training;

/// <summary>
/// A parameter the optimizer updates, with everything it needs: the float32 master values (the
/// parameter itself when it is float32; a separate copy when the model computes in bf16/fp16),
/// a float32 gradient accumulator for such copies, the Adam moments, and its weight-decay group.
/// Keeping masters in float32 is what makes bf16 training work: tiny updates would round away
/// if applied to bf16 weights directly.
/// </summary>
public sealed class TrainableParameter : IDisposable
{
    public string Name { get; }
    /// <summary>The tensor the model computes with.</summary>
    public Parameter Parameter { get; }
    /// <summary>Float32 values the optimizer updates; the same object as <see cref="Parameter"/> when that is float32.</summary>
    public Tensor Master { get; }
    public bool HasSeparateMaster { get; }
    public bool DecayWeights { get; }
    public Tensor ExpAvg { get; }
    public Tensor ExpAvgSq { get; }
    private readonly Tensor? _masterGrad;

    /// <param name="name">The parameter's state-dict name.</param>
    /// <param name="parameter">The model's parameter; when it is not float32 a separate float32 master is kept for it.</param>
    /// <param name="decayWeights">Whether AdamW's weight decay applies to it (the Trainer: all but biases and LayerNorm
    /// parameters, see <see cref="WeightDecayGroups"/>).</param>
    /// <param name="initialMaster">Float32 values to start the master from (the weights before the model was cast); null = take the parameter's.</param>
    public TrainableParameter(string name, Parameter parameter, bool decayWeights, Tensor? initialMaster = null)
    {
        Name = name;
        Parameter = parameter;
        DecayWeights = decayWeights;
        using var _ = no_grad();
        HasSeparateMaster = parameter.dtype != ScalarType.Float32;
        if (HasSeparateMaster)
        {
            Master = (initialMaster ?? parameter).detach().to(ScalarType.Float32).clone().DetachFromDisposeScope();
            _masterGrad = zeros_like(Master).DetachFromDisposeScope();
        }
        else
            Master = parameter;
        ExpAvg = zeros_like(Master).DetachFromDisposeScope();
        ExpAvgSq = zeros_like(Master).DetachFromDisposeScope();
    }

    /// <summary>
    /// After each backward: moves a low-precision gradient into the float32 accumulator (so the sum over
    /// accumulation steps is taken in float32). Float32 parameters accumulate in place, nothing to do.
    /// </summary>
    public void AccumulateGradient()
    {
        if (!HasSeparateMaster) return;
        // Parameter.grad hands out a new tensor handle on every access: the scope releases it.
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var grad = Parameter.grad;
        if (grad is null) return;
        // In-place add promotes the bf16/fp16 values exactly (no float32 temporary); alpha passed explicitly: see Runtime/Scalars.
        _masterGrad!.add_(grad, Scalars.One);
        grad.zero_();
    }

    /// <summary>The float32 gradient of the master, or null when the parameter received none.</summary>
    public Tensor? Gradient() => HasSeparateMaster ? _masterGrad : Parameter.grad;

    /// <summary>
    /// Gives a parameter that received no gradient a zero one and returns it (data parallelism: the parameter was used
    /// on another rank, so the averaged gradient lands here).
    /// </summary>
    public Tensor ZeroGradientTensor()
    {
        if (Gradient() is { } existing) return existing;
        using var _ = no_grad();
        Parameter.grad = zeros_like(Parameter);
        return Parameter.grad!;
    }

    public void ZeroGradient()
    {
        using var scope = NewDisposeScope();   // releases the handle Parameter.grad hands out
        using var _ = no_grad();
        Parameter.grad?.zero_();
        _masterGrad?.zero_();
    }

    /// <summary>Copies the updated master values into the model's (lower-precision) parameter.</summary>
    public void CopyMasterToParameter()
    {
        if (!HasSeparateMaster) return;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Parameter.copy_(Master);
    }

    public void Dispose()
    {
        if (HasSeparateMaster) { Master.Dispose(); _masterGrad?.Dispose(); }
        ExpAvg.Dispose();
        ExpAvgSq.Dispose();
    }
}
