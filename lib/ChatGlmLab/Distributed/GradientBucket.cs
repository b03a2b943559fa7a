using System.Buffers;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Distributed;

/// <summary>
/// One of DDP's buckets: consecutive float32 tensors flattened into one buffer of at most <see cref="CapacityFloats"/>
/// values, so a step makes a few large MPI calls instead of one per parameter (latency dominates small messages).
/// A tensor larger than the capacity gets a bucket of its own. Buffers are host memory: a GPU tensor is staged
/// through the host (plain MPI; CUDA-aware MPI or NCCL would avoid the copy).
/// </summary>
internal sealed record GradientBucket(int First, int Count, long Elements)
{
    /// <summary>25 MB of float32, DDP's default bucket_cap_mb.</summary>
    public const int CapacityFloats = 25 * 1024 * 1024 / sizeof(float);

    public static IReadOnlyList<GradientBucket> Plan(IReadOnlyList<Tensor> tensors)
    {
        var buckets = new List<GradientBucket>();
        int first = 0;
        long elements = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            if (tensors[i].dtype != ScalarType.Float32)
                throw new ArgumentException($"collectives take float32 tensors; tensor {i} is {tensors[i].dtype}");
            long n = tensors[i].numel();
            if (n > int.MaxValue) throw new ArgumentException($"tensor {i} has {n} values, more than one MPI call can carry");
            if (i > first && elements + n > CapacityFloats)
            {
                buckets.Add(new GradientBucket(first, i - first, elements));
                first = i;
                elements = 0;
            }
            elements += n;
        }
        if (tensors.Count > first) buckets.Add(new GradientBucket(first, tensors.Count - first, elements));
        return buckets;
    }

    /// <summary>Copies this bucket's tensors into one buffer, runs <paramref name="collective"/> on it (buffer, count), copies the result back.</summary>
    public void Run(IReadOnlyList<Tensor> tensors, Action<float[], int> collective)
    {
        int count = (int)Elements;
        var buffer = ArrayPool<float>.Shared.Rent(Math.Max(count, 1));
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            int offset = 0;
            foreach (var t in Members(tensors))
            {
                OnHost(t).data<float>().CopyTo(buffer, offset);
                offset += (int)t.numel();
            }
            collective(buffer, count);
            offset = 0;
            foreach (var t in Members(tensors))
            {
                int n = (int)t.numel();
                if (IsHostContiguous(t)) t.data<float>().CopyFrom(buffer, offset);
                else t.copy_(tensor(buffer.AsSpan(offset, n).ToArray(), t.shape));
                offset += n;
            }
        }
        finally { ArrayPool<float>.Shared.Return(buffer); }
    }

    private IEnumerable<Tensor> Members(IReadOnlyList<Tensor> tensors) => Enumerable.Range(First, Count).Select(i => tensors[i]);

    private static bool IsHostContiguous(Tensor t) => t.device_type == DeviceType.CPU && t.is_contiguous();

    private static Tensor OnHost(Tensor t) => IsHostContiguous(t) ? t : t.cpu().contiguous();
}
