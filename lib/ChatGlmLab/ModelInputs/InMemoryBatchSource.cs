using static TorchSharp.torch;

namespace ChatGlmLab.ModelInputs;

/// <summary>
/// A batch source over equal-length token rows held in memory: each epoch shuffles the rows with
/// System.Random(seed + epoch) when asked to, and cuts them into batches. For tests, benchmarks and
/// small experiments; masks and positions are left for the model to derive.
/// </summary>
public sealed class InMemoryBatchSource : IBatchSource
{
    private readonly IReadOnlyList<(long[] Ids, long[] Labels)> _rows;
    private readonly int _batchSize;
    private readonly bool _shuffle;
    private readonly DataParallelShard _shard;

    public InMemoryBatchSource(IReadOnlyList<(long[] Ids, long[] Labels)> rows, int batchSize, bool shuffle = true, DataParallelShard? shard = null)
    {
        if (rows.Count == 0) throw new ArgumentException("no rows");
        if (batchSize < 1) throw new ArgumentException("batch size must be at least 1");
        int length = rows[0].Ids.Length;
        foreach (var (ids, labels) in rows)
            if (ids.Length != length || labels.Length != length)
                throw new ArgumentException("all rows (ids and labels) must have the same length; pad them first");
        _rows = rows;
        _batchSize = batchSize;
        _shuffle = shuffle;
        _shard = shard ?? DataParallelShard.Single;
    }

    public int BatchCount => _shard.BatchCount(_rows.Count, _batchSize);
    public int RowCount => _rows.Count;

    public IEnumerable<TrainingBatch> Batches(int epoch, int seed)
    {
        var order = Enumerable.Range(0, _rows.Count).ToArray();
        if (_shuffle) new Random(unchecked(seed + epoch)).Shuffle(order);
        int length = _rows[0].Ids.Length;
        foreach (var members in _shard.Batches(order.Chunk(_shard.GlobalBatchSize(_batchSize)).ToArray()))
        {
            var ids = members.SelectMany(i => _rows[i].Ids).ToArray();
            var labels = members.SelectMany(i => _rows[i].Labels).ToArray();
            yield return new TrainingBatch(tensor(ids, [members.Length, length]), tensor(labels, [members.Length, length]), null, null);
        }
    }

    public IBatchSource ForShard(DataParallelShard shard) => new InMemoryBatchSource(_rows, _batchSize, _shuffle, shard);

    /// <summary>
    /// A supervised row in the toolkit's layout: prompt + [gMASK] &lt;sop&gt; + answer + &lt;eop&gt;, with labels
    /// -100 over prompt + [gMASK] &lt;sop&gt;.
    /// </summary>
    public static (long[] Ids, long[] Labels) SupervisedRow(IReadOnlyList<long> prompt, IReadOnlyList<long> answer, long gMask, long sop, long eop)
    {
        var ids = prompt.Concat([gMask, sop]).Concat(answer).Append(eop).ToArray();
        var labels = Enumerable.Repeat(-100L, prompt.Count + 2).Concat(answer).Append(eop).ToArray();
        return (ids, labels);
    }
}
