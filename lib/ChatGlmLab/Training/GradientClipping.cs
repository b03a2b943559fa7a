using ChatGlmLab.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Training;

/// <summary>torch.nn.utils.clip_grad_norm_ over the float32 master gradients (total 2-norm, coefficient max/(norm + 1e-6) clamped at 1).</summary>
public static class GradientClipping
{
    /// <summary>Scales the gradients in place when their total norm exceeds <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    public static double ClipByTotalNorm(IReadOnlyList<Tensor> gradients, double maxNorm)
    {
        if (gradients.Count == 0) return 0;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var total = stack(gradients.Select(g => g.norm()).ToArray()).norm();
        if (maxNorm > 0)
        {
            // As torch does it: tensor arithmetic in float32, multiply even when the coefficient is 1.
            using Scalar max = maxNorm.ToScalar(), tiny = 1e-6.ToScalar(), one = 1.0.ToScalar();   // explicit: see Runtime/Scalars
            var coefficient = total.add(tiny, Scalars.One).reciprocal_().mul_(max).clamp_max_(one);
            foreach (var g in gradients) g.mul_(coefficient);
        }
        return total.item<float>();
    }

    /// <summary>Total 2-norm without changing anything.</summary>
    public static double TotalNorm(IReadOnlyList<Tensor> gradients) => ClipByTotalNorm(gradients, 0);
}
