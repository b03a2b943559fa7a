using ChatGlmLab.Distributed;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Distributed;

/// <summary>DDP's buckets: consecutive tensors up to the capacity, a large tensor alone; values go through the buffer and back.</summary>
public class GradientBucketTests
{
    [Fact]
    public void Consecutive_tensors_share_a_bucket_up_to_the_capacity_and_the_collective_sees_them_flattened()
    {
        using var scope = NewDisposeScope();
        int cap = GradientBucket.CapacityFloats;
        var tensors = new List<Tensor> { ones(10), ones(cap - 10), ones(1), ones(cap + 5), ones(3, 2) };
        var plan = GradientBucket.Plan(tensors);
        Assert.Equal([(0, 2, (long)cap), (2, 1, 1L), (3, 1, (long)cap + 5), (4, 1, 6L)], plan.Select(b => (b.First, b.Count, b.Elements)));

        var small = new List<Tensor> { arange(4, ScalarType.Float32), arange(6, ScalarType.Float32).reshape(2, 3) };
        var bucket = Assert.Single(GradientBucket.Plan(small));
        bucket.Run(small, (buffer, count) =>
        {
            Assert.Equal(10, count);
            Assert.Equal([0f, 1, 2, 3, 0, 1, 2, 3, 4, 5], buffer.Take(count));
            for (int i = 0; i < count; i++) buffer[i] = 100 + i;
        });
        Assert.Equal([100f, 101, 102, 103], small[0].data<float>().ToArray());
        Assert.Equal([104f, 105, 106, 107, 108, 109], small[1].data<float>().ToArray());
        Assert.Throws<ArgumentException>(() => GradientBucket.Plan([ones(2, ScalarType.Float64)]));
    }
}
