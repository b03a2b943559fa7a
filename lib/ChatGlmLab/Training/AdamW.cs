using ChatGlmLab.Runtime;
using ChatGlmLab.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Training;

/// <summary>
/// AdamW over <see cref="TrainableParameter"/>s (their float32 masters), written out so its state is
/// ours to checkpoint and so it updates masters rather than low-precision model weights.
/// Two variants, as HF's <c>optim</c> argument offers:
/// adamw_torch — torch.optim.AdamW: p ← p·(1 − lr·wd); p ← p − lr/bc1 · m / (√v/√bc2 + ε);
/// adamw_hf — transformers.AdamW: p ← p − lr·√bc2/bc1 · m / (√v + ε); then p ← p − lr·wd·p.
/// </summary>
public sealed class AdamW
{
    public IReadOnlyList<TrainableParameter> Parameters { get; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }
    public double WeightDecay { get; }
    public bool TorchVariant { get; }
    /// <summary>Updates applied so far (Adam's t).</summary>
    public int StepCount { get; private set; }

    public AdamW(IReadOnlyList<TrainableParameter> parameters, double beta1, double beta2, double epsilon, double weightDecay, bool torchVariant)
    {
        Parameters = parameters;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        TorchVariant = torchVariant;
    }

    public static AdamW For(IReadOnlyList<TrainableParameter> parameters, TrainingArguments args) =>
        new(parameters, args.AdamBeta1, args.AdamBeta2, args.AdamEpsilon, args.WeightDecay, args.Optim == "adamw_torch");

    /// <summary>One update with the given learning rate; parameters without a gradient are skipped (as torch does).</summary>
    public void Step(double learningRate)
    {
        StepCount++;
        double bc1 = 1 - Math.Pow(Beta1, StepCount);
        double bc2 = 1 - Math.Pow(Beta2, StepCount);
        using var _ = no_grad();
        // Explicit, disposed Scalars: see Runtime/Scalars.
        using Scalar beta1 = Beta1.ToScalar(), oneMinusBeta1 = (1 - Beta1).ToScalar();
        using Scalar beta2 = Beta2.ToScalar(), oneMinusBeta2 = (1 - Beta2).ToScalar();
        using Scalar epsilon = Epsilon.ToScalar(), sqrtBc2 = Math.Sqrt(bc2).ToScalar();
        using Scalar keep = (1 - learningRate * WeightDecay).ToScalar(), minusDecay = (-learningRate * WeightDecay).ToScalar();
        using Scalar step = (TorchVariant ? -learningRate / bc1 : -learningRate * Math.Sqrt(bc2) / bc1).ToScalar();
        foreach (var p in Parameters)
        {
            using var scope = NewDisposeScope();
            var grad = p.Gradient();
            if (grad is null) continue;
            bool decay = p.DecayWeights && WeightDecay > 0;
            p.ExpAvg.mul_(beta1).add_(grad, alpha: oneMinusBeta1);
            p.ExpAvgSq.mul_(beta2).addcmul_(grad, grad, value: oneMinusBeta2);
            if (TorchVariant)
            {
                if (decay) p.Master.mul_(keep);
                var denom = p.ExpAvgSq.sqrt().div_(sqrtBc2).add_(epsilon, Scalars.One);
                p.Master.addcdiv_(p.ExpAvg, denom, value: step);
            }
            else
            {
                var denom = p.ExpAvgSq.sqrt().add_(epsilon, Scalars.One);
                p.Master.addcdiv_(p.ExpAvg, denom, value: step);
                if (decay) p.Master.add_(p.Master, alpha: minusDecay);
            }
            p.CopyMasterToParameter();
        }
    }

    public void ZeroGradients()
    {
        foreach (var p in Parameters) p.ZeroGradient();
    }

    /// <summary>Everything needed to continue exactly: master values and both moments per parameter name.</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var p in Parameters)
        {
            state["param." + p.Name] = p.Master;
            state["exp_avg." + p.Name] = p.ExpAvg;
            state["exp_avg_sq." + p.Name] = p.ExpAvgSq;
        }
        return state;
    }

    /// <summary>Restores a <see cref="StateDict"/> (strict: every parameter present with the same shape) and the step count.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, int stepCount, string source)
    {
        StateDictCopy.Into(StateDict(), state, source, new StateDictCopyOptions
        {
            Fix = "the optimizer state holds param/exp_avg/exp_avg_sq of the trainable parameters: was the checkpoint written for another fine-tuning method?",
        });
        foreach (var p in Parameters) p.CopyMasterToParameter();
        StepCount = stepCount;
    }

    /// <summary>Restores only the parameter values of a state dict (load_best_model_at_end).</summary>
    public void LoadParameterValues(IReadOnlyDictionary<string, Tensor> state, string source)
    {
        var masters = Parameters.ToDictionary(p => "param." + p.Name, p => p.Master);
        StateDictCopy.Into(masters, state, source, new StateDictCopyOptions
        {
            AllowUnexpected = true,   // the moments (exp_avg, exp_avg_sq) stay as they are
            Fix = "the best checkpoint's optimizer state must hold the values of this run's trainable parameters",
        });
        foreach (var p in Parameters) p.CopyMasterToParameter();
    }
}
