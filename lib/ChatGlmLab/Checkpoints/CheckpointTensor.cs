using static TorchSharp.torch;

namespace ChatGlmLab.Checkpoints;

/// <summary>
/// One named tensor of a checkpoint file, read on demand so that a large file never has to be in
/// memory at once. The tensor returned by <see cref="Read"/> may be a view sharing storage with
/// others (tied weights, offsets); copy it where it must outlive the file reader.
/// </summary>
public sealed record CheckpointTensor(string Name, long[] Shape, ScalarType DType, string File, Func<Tensor> Read);

/// <summary>A checkpoint file opened for reading: its tensors in file order.</summary>
public interface ICheckpointFile : IDisposable
{
    string Path { get; }
    IReadOnlyList<CheckpointTensor> Tensors { get; }
}

internal static class TensorStreams
{
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
