using ChatGlmLab.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ChatGlmLab.Taggers;

/// <summary>
/// A linear-chain conditional random field over per-character tag scores (Lafferty et al. 2001; the output layer of
/// Lample et al. 2016's BiLSTM-CRF). A tag path y over a sentence of n characters scores
/// start[y0] + Σ emission[i, yi] + Σ transition[y(i-1), yi] + end[y(n-1)], and the model is
/// P(y | x) = exp(score(y)) / Σ over every path exp(score). <see cref="LogLikelihood"/> computes the denominator with the
/// forward algorithm and <see cref="Decode"/> the best path with Viterbi, each in O(n·T²) instead of T^n.
/// Paths the tag grammar forbids (<see cref="BioTagSet.Allowed"/>) get a fixed penalty added to their transition
/// (or start) score, so they carry no probability and Viterbi never returns them.
/// Tensors are batch-first: emissions [batch, length, tags], tags [batch, length] int64, mask [batch, length] bool
/// (true on a sentence's characters, which come first; every sentence has at least one).
/// </summary>
public sealed class LinearChainCrf : nn.Module
{
    /// <summary>Added to a forbidden transition's score: far below any learned score, far above float32's limits.</summary>
    public const double ForbiddenScore = -10000.0;

    // Field names are the state-dict keys (torchcrf's names).
    public Parameter transitions;
    public Parameter start_transitions;
    public Parameter end_transitions;
    private readonly Tensor _transitionPenalty;   // [tags, tags], 0 or ForbiddenScore
    private readonly Tensor _startPenalty;        // [tags]

    /// <param name="tags">The number of tags T (the emissions' last dimension).</param>
    /// <param name="allowed">The tag grammar: allowed(from, to), from = null for the first tag; null = every path allowed.</param>
    public LinearChainCrf(int tags, Func<int?, int, bool>? allowed = null) : base(nameof(LinearChainCrf))
    {
        NumTags = tags;
        // torchcrf's initialisation: uniform(-0.1, 0.1).
        transitions = new Parameter(empty(tags, tags).uniform_(-0.1, 0.1));
        start_transitions = new Parameter(empty(tags).uniform_(-0.1, 0.1));
        end_transitions = new Parameter(empty(tags).uniform_(-0.1, 0.1));
        var penalty = new float[tags * tags];
        var startPenalty = new float[tags];
        for (int to = 0; to < tags; to++)
        {
            if (allowed != null && !allowed(null, to)) startPenalty[to] = (float)ForbiddenScore;
            for (int from = 0; from < tags; from++)
                if (allowed != null && !allowed(from, to)) penalty[from * tags + to] = (float)ForbiddenScore;
        }
        _transitionPenalty = tensor(penalty).view(tags, tags).DetachFromDisposeScope();
        _startPenalty = tensor(startPenalty).DetachFromDisposeScope();
        RegisterComponents();
    }

    public int NumTags { get; }

    /// <summary>The transition scores a path is scored with (learned + grammar penalty): [from, to].</summary>
    public Tensor EffectiveTransitions() => transitions.add(_transitionPenalty, Scalars.One);

    /// <summary>The start scores a path is scored with (learned + grammar penalty).</summary>
    public Tensor EffectiveStart() => start_transitions.add(_startPenalty, Scalars.One);

    /// <summary>log P(tags | emissions) per sentence: [batch].</summary>
    public Tensor LogLikelihood(Tensor emissions, Tensor tags, Tensor mask) =>
        PathScore(emissions, tags, mask).add(LogPartition(emissions, mask).neg(), Scalars.One);

    /// <summary>score(tags) per sentence: the numerator's log.</summary>
    public Tensor PathScore(Tensor emissions, Tensor tags, Tensor mask)
    {
        var transition = EffectiveTransitions();
        var weight = mask.to_type(emissions.dtype);
        var first = tags.select(1, 0);
        var score = EffectiveStart().index_select(0, first).add(Emission(emissions, tags, 0), Scalars.One);
        for (int i = 1; i < emissions.shape[1]; i++)
        {
            var step = transition.index_select(0, tags.select(1, i - 1)).gather(1, tags.select(1, i).unsqueeze(1)).squeeze(1)
                .add(Emission(emissions, tags, i), Scalars.One);
            score = score.add(step.mul(weight.select(1, i)), Scalars.One);
        }
        var last = tags.gather(1, LastIndex(mask).unsqueeze(1)).squeeze(1);
        return score.add(end_transitions.index_select(0, last), Scalars.One);
    }

    /// <summary>log Σ over every path exp(score) per sentence (the forward algorithm): [batch].</summary>
    public Tensor LogPartition(Tensor emissions, Tensor mask)
    {
        var transition = EffectiveTransitions().unsqueeze(0);                                  // [1, from, to]
        var alpha = EffectiveStart().unsqueeze(0).add(emissions.select(1, 0), Scalars.One);    // [batch, tags]
        for (int i = 1; i < emissions.shape[1]; i++)
        {
            var next = alpha.unsqueeze(2).add(transition, Scalars.One).add(emissions.select(1, i).unsqueeze(1), Scalars.One).logsumexp(1);
            alpha = where(mask.select(1, i).unsqueeze(1), next, alpha);   // past a sentence's end its alpha stays as it was
        }
        return alpha.add(end_transitions.unsqueeze(0), Scalars.One).logsumexp(1);
    }

    /// <summary>The highest-scoring tag path of each sentence (Viterbi), as long as the sentence.</summary>
    public IReadOnlyList<int[]> Decode(Tensor emissions, Tensor mask)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        int batch = (int)emissions.shape[0], length = (int)emissions.shape[1];
        var transition = EffectiveTransitions().unsqueeze(0);
        var score = EffectiveStart().unsqueeze(0).add(emissions.select(1, 0), Scalars.One);
        var backPointers = new List<Tensor>();                                                  // step i: best previous tag for each tag
        for (int i = 1; i < length; i++)
        {
            var (best, previous) = score.unsqueeze(2).add(transition, Scalars.One).add(emissions.select(1, i).unsqueeze(1), Scalars.One).max(1);
            score = where(mask.select(1, i).unsqueeze(1), best, score);
            backPointers.Add(previous);
        }
        score = score.add(end_transitions.unsqueeze(0), Scalars.One);
        long[] lastTags = score.argmax(1).data<long>().ToArray();
        long[] pointers = length > 1 ? stack(backPointers).contiguous().data<long>().ToArray() : [];   // [length-1, batch, tags]
        long[] lengths = mask.sum(1, type: ScalarType.Int64).data<long>().ToArray();
        var paths = new List<int[]>(batch);
        for (int b = 0; b < batch; b++)
        {
            var path = new int[lengths[b]];
            path[^1] = (int)lastTags[b];
            for (int i = path.Length - 1; i > 0; i--)
                path[i - 1] = (int)pointers[((long)(i - 1) * batch + b) * NumTags + path[i]];
            paths.Add(path);
        }
        return paths;
    }

    private static Tensor Emission(Tensor emissions, Tensor tags, int i) =>
        emissions.select(1, i).gather(1, tags.select(1, i).unsqueeze(1)).squeeze(1);

    private static readonly Scalar LongOne = 1L.ToScalar();   // held once: see Runtime/Scalars

    private static Tensor LastIndex(Tensor mask) => mask.sum(1, type: ScalarType.Int64).sub(LongOne);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _transitionPenalty.Dispose();
            _startPenalty.Dispose();
        }
        base.Dispose(disposing);
    }
}
