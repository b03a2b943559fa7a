namespace ChatGlmLab.ModelInputs;

/// <summary>
/// The batches of a data set, epoch by epoch. <see cref="Batches"/> must be deterministic in
/// (epoch, seed) — any shuffling happens inside the source with its own random generator, never
/// torch's global one — so that a resumed run sees exactly the batches an uninterrupted run would.
/// </summary>
public interface IBatchSource
{
    /// <summary>Number of batches in every epoch.</summary>
    int BatchCount { get; }

    /// <summary>The batches of one epoch, in order. The caller owns (and disposes) the tensors it receives.</summary>
    IEnumerable<TrainingBatch> Batches(int epoch, int seed);

    /// <summary>
    /// The same data as one rank of a data-parallel run sees it (<see cref="DataParallelShard"/>): the same epoch order
    /// on every rank, each rank's share of every global batch, at the same per-device batch size.
    /// </summary>
    IBatchSource ForShard(DataParallelShard shard) =>
        throw new InvalidOperationException($"{GetType().Name} cannot be split across the processes of a data-parallel run " +
                                            $"(it does not implement {nameof(IBatchSource)}.{nameof(ForShard)}); train it in one process");
}
