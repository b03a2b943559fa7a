using static TorchSharp.torch;

namespace ChatGlmLab.Checkpoints;

/// <summary>
/// One named tensor of a checkpoint file, read on demand so that a large file never has to be in
/// memory at once. The tensor returned by <see cref="Read"/> may be a view sharing storage with
/// others (tied weights, offsets); copy it where it must outlive the file reader.
/// </summary>
public sealed record CheckpointTensor(string Name, long[] Shape, ScalarType DType, string File, Func<Tensor> Read)
{
    /// <summary>
    /// Copies the tensor straight into a contiguous <c>target</c> of its shape (any dtype), converting a slice at a time
    /// instead of reading it whole first; returns false when the format or the tensor's layout cannot (then use <see cref="Read"/>).
    /// Loading a 16-bit model from an fp16 checkpoint otherwise holds each table twice for a moment (chatglm-6b's
    /// embeddings: 1 GB more at the peak).
    /// </summary>
    public Func<Tensor, bool>? ReadInto { get; init; }

    /// <summary>Reads the tensor into <paramref name="target"/>: streamed where the format allows, else read then copied.</summary>
    public void CopyTo(Tensor target)
    {
        if (ReadInto?.Invoke(target) == true) return;
        using var value = Read();
        target.copy_(value);
    }
}

/// <summary>A checkpoint file opened for reading: its tensors in file order.</summary>
public interface ICheckpointFile : IDisposable
{
    string Path { get; }
    IReadOnlyList<CheckpointTensor> Tensors { get; }
}

internal static class TensorStreams
{
    /// <summary>Elements converted per slice when streaming into a target of another dtype (16 MB of fp32).</summary>
    private const long SliceElements = 1 << 22;

    /// <summary>
    /// Reads <paramref name="target"/>'s elements, stored in the stream as <paramref name="stored"/>, into the contiguous target:
    /// directly when the dtypes match, else through a small buffer of the stored dtype, one slice at a time.
    /// </summary>
    public static void FillConverting(Tensor target, ScalarType stored, Stream stream, string source, long sliceElements = SliceElements)
    {
        if (target.dtype == stored)
        {
            Fill(target, stream, source);
            return;
        }
        using var flat = target.view(-1);
        long total = flat.shape[0];
        using var buffer = empty(Math.Min(sliceElements, Math.Max(total, 1)), stored);
        for (long start = 0; start < total; start += sliceElements)
        {
            long n = Math.Min(sliceElements, total - start);
            using var part = buffer.narrow(0, 0, n);
            Fill(part, stream, source);
            using var slice = flat.narrow(0, start, n);
            slice.copy_(part);
        }
    }

    /// <summary>Reads exactly the bytes of <paramref name="target"/> (contiguous) from the stream.</summary>
    public static void Fill(Tensor target, Stream stream, string source)
    {
        try { target.ReadBytesFromStream(stream, 1 << 20); }
        catch (EndOfStreamException) { throw new InvalidDataException($"{source}: checkpoint data is truncated"); }
    }

    public static ScalarType FromStorageType(string storageType) => storageType switch
    {
        "FloatStorage" => ScalarType.Float32,
        "HalfStorage" => ScalarType.Float16,
        "BFloat16Storage" => ScalarType.BFloat16,
        "DoubleStorage" => ScalarType.Float64,
        "LongStorage" => ScalarType.Int64,
        "IntStorage" => ScalarType.Int32,
        "ShortStorage" => ScalarType.Int16,
        "CharStorage" => ScalarType.Int8,
        "ByteStorage" => ScalarType.Byte,
        "BoolStorage" => ScalarType.Bool,
        _ => throw new InvalidDataException($"unknown storage type {storageType}"),
    };

    public static int ElementSize(ScalarType t) => t switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool => 1,
        _ => throw new NotSupportedException($"dtype {t}"),
    };
}
