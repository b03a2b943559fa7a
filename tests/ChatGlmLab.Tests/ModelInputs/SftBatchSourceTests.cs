using ChatGlmLab.ModelInputs;

namespace ChatGlmLab.Tests.ModelInputs;

/// <summary>Batch order of <see cref="SftBatchSource"/>: every example once per epoch, length grouping without a long-to-short sweep.</summary>
public class SftBatchSourceTests
{
    // Three "turns" of clearly different lengths, as in the 3-turn NER records (turn 3 carries two history rounds).
    private static List<TokenizedExample> Examples() => Enumerable.Range(0, 600)
        .Select(i => new TokenizedExample(new int[10 + 50 * (i % 3) + i % 7], new int[10 + 50 * (i % 3) + i % 7])).ToList();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryExampleIsInExactlyOneBatchPerEpoch(bool groupByLength)
    {
        var source = new SftBatchSource(null!, Examples(), 8, shuffle: true, groupByLength: groupByLength);
        var members = source.BatchMembers(epoch: 1, seed: 42).ToList();
        Assert.Equal(source.BatchCount, members.Count);
        Assert.Equal(Enumerable.Range(0, 600), members.SelectMany(b => b).Order());
    }

    [Fact]
    public void GroupedBatchesHoldSimilarLengthsButDoNotRunFromLongestToShortest()
    {
        var examples = Examples();
        var batches = new SftBatchSource(null!, examples, 8, shuffle: true, groupByLength: true).BatchMembers(0, 42).ToList();
        // Grouping: inside a batch the lengths come from one sorted run, so a batch spans few of the three length bands.
        double meanSpread = batches.Average(b => b.Max(i => examples[i].Length) - b.Min(i => examples[i].Length));
        Assert.True(meanSpread < 15, $"mean length spread inside a batch {meanSpread:F1}");
        // No sweep: the first 50 batches (one mega-batch) are not in descending length order.
        var longest = batches.Take(50).Select(b => b.Max(i => examples[i].Length)).ToList();
        int descents = longest.Zip(longest.Skip(1), (a, b) => b <= a ? 1 : 0).Sum();
        Assert.True(descents < 45, $"{descents} of 49 neighbouring batches get shorter: the batches still run longest to shortest");
        // Seeded: the same epoch and seed give the same order, another epoch a different one.
        var again = new SftBatchSource(null!, examples, 8, shuffle: true, groupByLength: true).BatchMembers(0, 42).ToList();
        Assert.Equal(batches.SelectMany(b => b), again.SelectMany(b => b));
        Assert.NotEqual(batches.SelectMany(b => b), new SftBatchSource(null!, examples, 8, shuffle: true, groupByLength: true).BatchMembers(1, 42).SelectMany(b => b));
    }
}
