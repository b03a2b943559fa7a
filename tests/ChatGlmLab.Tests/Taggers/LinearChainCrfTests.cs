using ChatGlmLab.Taggers;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Taggers;

/// <summary>
/// The CRF's forward algorithm and Viterbi against their definitions: every tag path of a short sentence enumerated, its
/// score summed term by term, log Z = log Σ exp(score), the best path = the argmax.
/// </summary>
public sealed class LinearChainCrfTests
{
    // O, B-a, I-a, B-b, I-b: 5 tags, so a 4-character sentence has 625 paths.
    private static readonly BioTagSet Tags = new(["a", "b"]);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LogLikelihoodIsTheGoldPathsShareOfAllPaths(bool grammar)
    {
        using var crf = RandomCrf(grammar, seed: 1);
        using var scope = NewDisposeScope();
        // Two sentences, 4 and 2 characters: the second is padded, and its padding must not count.
        manual_seed(7);
        using var two = 2.0.ToScalar();
        var emissions = randn(2, 4, Tags.Count).mul(two);
        long[][] gold = [[1, 2, 0, 3], [3, 4, 0, 0]];
        int[] lengths = [4, 2];
        var tags = tensor(gold.SelectMany(g => g).ToArray()).view(2, 4);
        var mask = tensor(new[] { true, true, true, true, true, true, false, false }).view(2, 4);

        var logLikelihood = crf.LogLikelihood(emissions, tags, mask).data<float>().ToArray();
        var (start, transition, end) = Effective(crf);
        var e = emissions.data<float>().ToArray();
        for (int b = 0; b < 2; b++)
        {
            double Emit(int i, int tag) => e[(b * 4 + i) * Tags.Count + tag];
            var scores = AllPaths(lengths[b]).Select(p => Score(p, Emit, start, transition, end)).ToList();
            double max = scores.Max();
            double logZ = max + Math.Log(scores.Sum(s => Math.Exp(s - max)));
            double expected = Score(gold[b].Take(lengths[b]).Select(t => (int)t).ToArray(), Emit, start, transition, end) - logZ;
            Assert.InRange(logLikelihood[b], expected - 1e-3, expected + 1e-3);
        }
    }

    [Theory]
    [InlineData(false, 3)]
    [InlineData(true, 3)]
    [InlineData(true, 11)]
    public void ViterbiReturnsTheHighestScoringPath(bool grammar, int seed)
    {
        using var crf = RandomCrf(grammar, seed);
        using var scope = NewDisposeScope();
        manual_seed(seed + 100);
        using var two = 2.0.ToScalar();
        var emissions = randn(3, 4, Tags.Count).mul(two);
        int[] lengths = [4, 1, 3];
        var mask = tensor(lengths.SelectMany(n => Enumerable.Range(0, 4).Select(i => i < n)).ToArray()).view(3, 4);

        var decoded = crf.Decode(emissions, mask);
        var (start, transition, end) = Effective(crf);
        var e = emissions.data<float>().ToArray();
        for (int b = 0; b < 3; b++)
        {
            double Emit(int i, int tag) => e[(b * 4 + i) * Tags.Count + tag];
            var best = AllPaths(lengths[b]).MaxBy(p => Score(p, Emit, start, transition, end))!;
            Assert.Equal(best, decoded[b]);
            if (grammar)   // a path the grammar allows, so it converts to spans
                Assert.All(Enumerable.Range(0, best.Length), i => Assert.True(Tags.Allowed(i == 0 ? null : decoded[b][i - 1], decoded[b][i])));
        }
    }

    [Fact]
    public void TheGrammarForbidsAnInsideTagThatContinuesNothing()
    {
        Assert.True(Tags.Allowed(null, 1));     // B-a may start
        Assert.False(Tags.Allowed(null, 2));    // I-a may not
        Assert.True(Tags.Allowed(1, 2));        // B-a I-a
        Assert.True(Tags.Allowed(2, 2));        // I-a I-a
        Assert.False(Tags.Allowed(0, 2));       // O I-a
        Assert.False(Tags.Allowed(1, 4));       // B-a I-b
        Assert.True(Tags.Allowed(2, 3));        // I-a B-b
    }

    private static LinearChainCrf RandomCrf(bool grammar, int seed)
    {
        manual_seed(seed);
        var crf = new LinearChainCrf(Tags.Count, grammar ? Tags.Allowed : null);
        using var _ = no_grad();
        // Larger than the initialisation's ±0.1, so that the transitions matter to which path wins.
        foreach (var p in crf.parameters()) p.normal_(0, 1.5);
        return crf;
    }

    private static (double[] Start, double[] Transition, double[] End) Effective(LinearChainCrf crf)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return (crf.EffectiveStart().to_type(ScalarType.Float64).data<double>().ToArray(),
            crf.EffectiveTransitions().to_type(ScalarType.Float64).data<double>().ToArray(),
            crf.end_transitions.to_type(ScalarType.Float64).data<double>().ToArray());
    }

    /// <summary>The definition: start + emissions + transitions + end, term by term.</summary>
    private static double Score(int[] path, Func<int, int, double> emit, double[] start, double[] transition, double[] end)
    {
        double s = start[path[0]] + emit(0, path[0]);
        for (int i = 1; i < path.Length; i++) s += transition[path[i - 1] * Tags.Count + path[i]] + emit(i, path[i]);
        return s + end[path[^1]];
    }

    private static IEnumerable<int[]> AllPaths(int length)
    {
        int total = (int)Math.Pow(Tags.Count, length);
        for (int n = 0; n < total; n++)
        {
            var path = new int[length];
            for (int i = 0, rest = n; i < length; i++, rest /= Tags.Count) path[i] = rest % Tags.Count;
            yield return path;
        }
    }
}
