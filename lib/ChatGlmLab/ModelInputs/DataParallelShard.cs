namespace ChatGlmLab.ModelInputs;

/// <summary>
/// Which examples one process of a data-parallel run trains on: HF's DistributedSampler (drop_last false). Every rank
/// computes the same epoch order; the order is padded to a multiple of the world size with its own first examples;
/// rank r takes every world_size-th example from position r; its data loader cuts that into per-device batches.
/// Micro-batch k of all ranks together is then positions [k·B·W, (k+1)·B·W) of the order, so a source cuts its order
/// into such global batches and gives each rank its members r, r+W, ... (<see cref="Batches"/>): the global batch
/// (per_device_train_batch_size × world size, × gradient_accumulation_steps per update) is the same examples for any
/// world size, which is what lets a run resume with another world size at the same global batch.
/// </summary>
public sealed record DataParallelShard
{
    public static readonly DataParallelShard Single = new(0, 1);

    public int Rank { get; }
    public int WorldSize { get; }

    public DataParallelShard(int rank, int worldSize)
    {
        if (worldSize < 1 || rank < 0 || rank >= worldSize)
            throw new ArgumentException($"rank {rank} is not in a world of {worldSize} processes");
        Rank = rank;
        WorldSize = worldSize;
    }

    /// <summary>Examples in one micro-batch of all ranks together: per-device batch size × world size.</summary>
    public int GlobalBatchSize(int batchSize) => batchSize * WorldSize;

    /// <summary>Batches per epoch on each rank: ceil(examples / (B·W)), HF's ceil(ceil(examples / W) / B).</summary>
    public int BatchCount(int examples, int batchSize) => (examples + GlobalBatchSize(batchSize) - 1) / GlobalBatchSize(batchSize);

    /// <summary>
    /// This rank's batches (example indices) from the epoch's global batches (of <see cref="GlobalBatchSize"/> examples,
    /// the last possibly fewer): rank r takes the members at positions r, r+W, ...; an incomplete global batch is first
    /// padded to a multiple of W with the epoch's first examples (the sampler's padding), so every rank gets a batch.
    /// </summary>
    public IEnumerable<int[]> Batches(IReadOnlyList<int[]> globalBatches)
    {
        if (WorldSize == 1) return globalBatches;
        var start = globalBatches.SelectMany(b => b).Take(WorldSize).ToArray();
        return globalBatches.Select(batch =>
        {
            int padding = (WorldSize - batch.Length % WorldSize) % WorldSize;
            var padded = batch.Concat(Enumerable.Range(0, padding).Select(i => start[i % start.Length]));
            return padded.Where((_, position) => position % WorldSize == Rank).ToArray();
        });
    }
}
