using ChatGlmLab.Tokenization;
using ChatGlmLab.Training;

namespace ChatGlmLab.Data.ModelInputs;

/// <summary>
/// Training batches over tokenized examples: shuffled per epoch with System.Random(seed + epoch) (so a
/// resumed run sees the same batches), optionally grouped by length to cut padding (HF's
/// LengthGroupedSampler idea: mega-batches of 50 batches sorted by length), left-padded by
/// <see cref="BatchCollator"/>.
/// </summary>
public sealed class SftBatchSource(ChatGlmTokenizer tokenizer, IReadOnlyList<TokenizedExample> examples, int batchSize,
    bool shuffle = true, bool groupByLength = false) : IBatchSource
{
    private const int MegaBatchFactor = 50;

    public int BatchCount => (examples.Count + batchSize - 1) / batchSize;
    public int ExampleCount => examples.Count;

    public IEnumerable<TrainingBatch> Batches(int epoch, int seed)
    {
        foreach (var members in Order(epoch, seed).Chunk(batchSize))
        {
            var batch = BatchCollator.Collate(tokenizer, members.Select(i => examples[i].InputIds).ToList(),
                members.Select(i => examples[i].Labels).ToList());
            yield return new TrainingBatch(batch.InputIds, batch.Labels!, batch.AttentionMask, batch.PositionIds);
        }
    }

    private int[] Order(int epoch, int seed)
    {
        var order = Enumerable.Range(0, examples.Count).ToArray();
        if (shuffle) new Random(unchecked(seed + epoch)).Shuffle(order);
        if (!groupByLength) return order;
        return order.Chunk(batchSize * MegaBatchFactor)
            .SelectMany(mega => mega.OrderByDescending(i => examples[i].Length).ThenBy(i => i))
            .ToArray();
    }
}
