using System.Buffers.Binary;
using System.Text.Json;
using static TorchSharp.torch;

namespace ChatGlmLab.Checkpoints;

/// <summary>
/// A <c>.safetensors</c> file: u64 little-endian header length N, N bytes of JSON
/// ({name: {dtype, shape, data_offsets}}, plus "__metadata__"), then the raw little-endian data.
/// Tensors are read on demand with one seek each.
/// </summary>
public sealed class SafetensorsFile : ICheckpointFile
{
    private readonly FileStream _file;
    private readonly long _dataStart;

    public string Path { get; }
    public IReadOnlyList<CheckpointTensor> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public SafetensorsFile(string path)
    {
        Path = path;
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint not found: {path}", path);
        _file = File.OpenRead(path);
        try
        {
            var lengthBytes = new byte[8];
            if (_file.Read(lengthBytes, 0, 8) < 8) throw new InvalidDataException($"{path}: truncated safetensors header");
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (headerLength > 100_000_000 || (long)headerLength + 8 > _file.Length)
                throw new InvalidDataException($"{path}: invalid safetensors header length {headerLength} (corrupt or truncated file)");
            var header = new byte[headerLength];
            _file.ReadExactly(header);
            _dataStart = 8 + (long)headerLength;

            JsonDocument doc;
            try { doc = JsonDocument.Parse(header); }
            catch (JsonException e) { throw new InvalidDataException($"{path}: invalid safetensors header JSON ({e.Message})", e); }
            var tensors = new List<CheckpointTensor>();
            var metadata = new Dictionary<string, string>();
            long dataLength = _file.Length - _dataStart;
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    foreach (var m in prop.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                    continue;
                }
                var dtype = ParseDType(prop.Value.GetProperty("dtype").GetString(), path, prop.Name);
                long[] shape = prop.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var offsets = prop.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                long begin = offsets[0], end = offsets[1];
                long expected = shape.Aggregate(1L, (a, b) => a * b) * TensorStreams.ElementSize(dtype);
                if (end - begin != expected)
                    throw new InvalidDataException($"{path}: tensor '{prop.Name}' has {end - begin} bytes for shape [{string.Join(", ", shape)}] {dtype}");
                if (end > dataLength)
                    throw new InvalidDataException($"{path}: tensor '{prop.Name}' ends at byte {end} but the file has {dataLength} data bytes (truncated)");
                string name = prop.Name;
                tensors.Add(new CheckpointTensor(name, shape, dtype, path, () => Read(begin, shape, dtype)));
            }
            Tensors = tensors;
            Metadata = metadata;
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    private Tensor Read(long begin, long[] shape, ScalarType dtype)
    {
        var t = empty(shape, dtype);
        _file.Position = _dataStart + begin;
        TensorStreams.Fill(t, _file, Path);
        return t;
    }

    private static ScalarType ParseDType(string? s, string path, string name) => s switch
    {
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "F64" => ScalarType.Float64,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte,
        "BOOL" => ScalarType.Bool,
        _ => throw new InvalidDataException($"{path}: tensor '{name}' has unsupported dtype {s}"),
    };

    public static string DTypeName(ScalarType t) => t switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Float64 => "F64",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"dtype {t}"),
    };

    public void Dispose() => _file.Dispose();
}
