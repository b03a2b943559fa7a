using ChatGlmLab.ModelInputs;
using ChatGlmLab.Tests.Training;

namespace ChatGlmLab.Tests.ModelInputs;

/// <summary>Each rank's share of the global batches: HF's DistributedSampler, and the same examples per step for any world size.</summary>
public class DataParallelShardTests
{
    [Fact]
    public void Ranks_take_every_world_size_th_example_and_pad_the_last_global_batch_from_the_epochs_start()
    {
        // HF: order [4,0,3,1,2] padded to [4,0,3,1,2,4]; rank 0 gets [4,3,2], rank 1 [0,1,4]; batches of 2.
        int[][] global = [[4, 0, 3, 1], [2]];
        Assert.Equal([[4, 3], [2]], new DataParallelShard(0, 2).Batches(global));
        Assert.Equal([[0, 1], [4]], new DataParallelShard(1, 2).Batches(global));
        Assert.Equal(2, new DataParallelShard(1, 2).BatchCount(examples: 5, batchSize: 2));
        Assert.Same(global, DataParallelShard.Single.Batches(global));
        Assert.Throws<ArgumentException>(() => new DataParallelShard(2, 2));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void A_sharded_source_gives_the_ranks_together_the_one_process_batches_of_the_global_size(int world)
    {
        var rows = TinyTrainingData.Rows(12);
        var single = new InMemoryBatchSource(rows, batchSize: 2 * world);
        // Per-device batch 2 on each rank (the shard keeps the source's batch size, as the trainer uses it).
        var ranks = Enumerable.Range(0, world).Select(r => new InMemoryBatchSource(rows, 2).ForShard(new DataParallelShard(r, world))).ToList();
        Assert.All(ranks, r => Assert.Equal(single.BatchCount, r.BatchCount));
        var expected = single.Batches(1, 42).Select(b => RowSet(b)).ToList();
        var perRank = ranks.Select(r => r.Batches(1, 42).Select(b => RowSet(b)).ToList()).ToList();
        for (int k = 0; k < expected.Count; k++)
        {
            var together = perRank.SelectMany(r => r[k]).ToList();
            Assert.Equal(expected[k].Order(), together.Order());
            Assert.All(perRank, r => Assert.Equal(2, r[k].Count));
        }
    }

    [Fact]
    public void A_source_that_cannot_be_sharded_says_so()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ((IBatchSource)new UnshardableSource()).ForShard(new DataParallelShard(0, 2)));
        Assert.Contains("UnshardableSource cannot be split across the processes", e.Message);
    }

    private sealed class UnshardableSource : IBatchSource
    {
        public int BatchCount => 0;
        public IEnumerable<TrainingBatch> Batches(int epoch, int seed) => [];
    }

    /// <summary>A batch's rows as strings (rows are distinct in the tiny data).</summary>
    private static List<string> RowSet(TrainingBatch batch)
    {
        using (batch.InputIds)
        using (batch.Labels)
        {
            var ids = batch.InputIds.data<long>().ToArray();
            int width = (int)batch.InputIds.shape[1];
            return ids.Chunk(width).Select(r => string.Join(',', r)).ToList();
        }
    }
}
