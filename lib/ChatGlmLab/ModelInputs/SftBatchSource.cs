using ChatGlmLab.Tokenization;

namespace ChatGlmLab.ModelInputs;

/// <summary>
/// Training batches over tokenized examples: shuffled per epoch with System.Random(seed + epoch) (so a
/// resumed run sees the same batches), optionally grouped by length to cut padding (HF's
/// LengthGroupedSampler idea: mega-batches of 50 batches sorted by length, then the batches shuffled), left-padded by
/// <see cref="BatchCollator"/>. In a data-parallel run each rank collates its <paramref name="shard"/> of every global batch.
/// </summary>
public sealed class SftBatchSource(ChatGlmTokenizer tokenizer, IReadOnlyList<TokenizedExample> examples, int batchSize,
    bool shuffle = true, bool groupByLength = false, DataParallelShard? shard = null) : IBatchSource
{
    private const int MegaBatchFactor = 50;
    private readonly DataParallelShard _shard = shard ?? DataParallelShard.Single;

    public int BatchCount => _shard.BatchCount(examples.Count, batchSize);
    public int ExampleCount => examples.Count;

    public IEnumerable<TrainingBatch> Batches(int epoch, int seed)
    {
        foreach (var members in BatchMembers(epoch, seed))
        {
            var batch = BatchCollator.Collate(tokenizer, members.Select(i => examples[i].InputIds).ToList(),
                members.Select(i => examples[i].Labels).ToList());
            yield return new TrainingBatch(batch.InputIds, batch.Labels!, batch.AttentionMask, batch.PositionIds);
        }
    }

    public IBatchSource ForShard(DataParallelShard shard) => new SftBatchSource(tokenizer, examples, batchSize, shuffle, groupByLength, shard);

    /// <summary>The examples of each batch (this rank's share of each global batch), in training order.</summary>
    public IEnumerable<int[]> BatchMembers(int epoch, int seed) => _shard.Batches(GlobalBatchMembers(epoch, seed));

    /// <summary>The examples of each global batch (all ranks' batches of one micro-step together).</summary>
    private IReadOnlyList<int[]> GlobalBatchMembers(int epoch, int seed)
    {
        int globalBatchSize = _shard.GlobalBatchSize(batchSize);
        var random = new Random(unchecked(seed + epoch));
        var order = Enumerable.Range(0, examples.Count).ToArray();
        if (shuffle) random.Shuffle(order);
        if (!groupByLength) return order.Chunk(globalBatchSize).ToArray();
        var batches = order.Chunk(globalBatchSize * MegaBatchFactor)
            .SelectMany(mega => mega.OrderByDescending(i => examples[i].Length).ThenBy(i => i).Chunk(globalBatchSize))
            .ToArray();
        // Unlike HF's sampler, the batches are shuffled again: within a mega-batch sorted by length they would
        // otherwise run from the longest to the shortest, and with multi-turn records length is the turn, so the
        // model would see a block of one question type after another and swing between their answer forms.
        if (shuffle) random.Shuffle(batches);
        return batches;
    }
}
