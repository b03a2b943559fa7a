using ChatGlmLab.Runtime;
using ChatGlmLab.Generation.Constraints;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Generation;

/// <summary>
/// The score transformations of Hugging Face generate(), in its order: processors (repetition
/// penalty, ChatGLM's invalid-score guard), then for sampling the warpers (temperature, top-k, top-p).
/// All operate on [batch, vocab] float32 scores without per-element reads.
/// </summary>
public static class LogitsProcessing
{
    /// <summary>Token forced when scores contain NaN/inf: id 5 ("▁") in ChatGLM's vocabulary, with score 5e4.</summary>
    public const int InvalidScoreForcedToken = 5;

    public static Tensor RepetitionPenalty(Tensor scores, Tensor previousIds, double penalty)
    {
        if (penalty == 1.0) return scores;
        var picked = scores.gather(1, previousIds);
        using Scalar factor = penalty.ToScalar();   // explicit, disposed: see Runtime/Scalars (also below)
        var penalised = where(picked.lt(Scalars.Zero), picked.mul(factor), picked.div(factor));
        return scores.scatter(1, previousIds, penalised);
    }

    public static Tensor InvalidScoreGuard(Tensor scores)
    {
        if (!scores.isnan().any().item<bool>() && !scores.isinf().any().item<bool>()) return scores;
        var fixedScores = zeros_like(scores);
        fixedScores[TensorIndex.Ellipsis, InvalidScoreForcedToken] = tensor(5e4f);
        return fixedScores;
    }

    /// <summary>Scores of tokens a row's constraint does not allow become -inf (rows without a constraint are untouched).</summary>
    public static Tensor AllowedTokensOnly(Tensor scores, IReadOnlyList<ITokenConstraint?> constraints, IReadOnlyList<List<int>> generated)
    {
        long vocab = scores.shape[1];
        var keep = new List<long>();
        var unconstrainedRows = new List<long>();
        var allowed = new List<int>();
        for (int row = 0; row < constraints.Count; row++)
        {
            if (constraints[row] is not { } constraint) { unconstrainedRows.Add(row); continue; }
            allowed.Clear();
            constraint.AddAllowed(generated[row], allowed);
            foreach (int id in allowed) if (id < vocab) keep.Add(row * vocab + id);
        }
        var mask = zeros(scores.numel(), ScalarType.Bool, scores.device);
        if (keep.Count > 0) mask.index_fill_(0, tensor(keep.ToArray(), device: scores.device), Scalars.True);
        mask = mask.view(scores.shape);
        if (unconstrainedRows.Count > 0) mask.index_fill_(0, tensor(unconstrainedRows.ToArray(), device: scores.device), Scalars.True);
        return scores.masked_fill(mask.logical_not(), Scalars.MinusInfinity);
    }

    public static Tensor Temperature(Tensor scores, double temperature)
    {
        if (temperature == 1.0) return scores;
        using Scalar t = temperature.ToScalar();
        return scores.div(t);
    }

    public static Tensor TopK(Tensor scores, int k)
    {
        if (k <= 0 || k >= scores.shape[1]) return scores;
        var kth = scores.topk(k, 1).values.narrow(1, k - 1, 1);
        return scores.masked_fill(scores.lt(kth), Scalars.MinusInfinity);
    }

    /// <summary>HF TopPLogitsWarper: drop the tokens whose ascending cumulative probability is ≤ 1 - top_p, keep at least one.</summary>
    public static Tensor TopP(Tensor scores, double topP)
    {
        if (topP >= 1.0) return scores;
        var (sorted, indices) = scores.sort(1, descending: false);
        var cumulative = sorted.softmax(1).cumsum(1);
        using Scalar threshold = (1 - topP).ToScalar();
        var remove = cumulative.le(threshold);
        remove[TensorIndex.Colon, -1] = tensor(false);   // min_tokens_to_keep = 1
        var removeInOriginalOrder = remove.scatter(1, indices, remove);
        return scores.masked_fill(removeInOriginalOrder, Scalars.MinusInfinity);
    }
}
