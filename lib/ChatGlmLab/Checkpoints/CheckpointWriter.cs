using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace ChatGlmLab.Checkpoints;

/// <summary>
/// Writes state dicts that the Python ecosystem reads: <c>torch.save</c> zip files and .safetensors.
/// Files are written to a temporary name and renamed, so a crash never leaves half a file.
/// </summary>
public static class CheckpointWriter
{
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> stateDict, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) SaveSafetensors(path, stateDict, metadata);
        else SaveTorch(path, stateDict);
    }

    /// <summary>The layout torch.save writes (<see cref="TorchSaveWriter"/>), read back by torch.load and by this kit.</summary>
    public static void SaveTorch(string path, IReadOnlyDictionary<string, Tensor> stateDict) =>
        WriteAtomically(path, stream => TorchSaveWriter.Write(stream, Path.GetFileNameWithoutExtension(path), stateDict));

    public static void SaveSafetensors(string path, IReadOnlyDictionary<string, Tensor> stateDict, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var tensors = stateDict.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (kv.Key, Tensor: kv.Value.detach().cpu().contiguous())).ToList();
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            json.WriteString("format", "pt");
            foreach (var (k, v) in metadata ?? new Dictionary<string, string>()) json.WriteString(k, v);
            json.WriteEndObject();
            long offset = 0;
            foreach (var (name, t) in tensors)
            {
                long bytes = t.numel() * TensorStreams.ElementSize(t.dtype);
                json.WriteStartObject(name);
                json.WriteString("dtype", SafetensorsFile.DTypeName(t.dtype));
                json.WriteStartArray("shape"); foreach (var d in t.shape) json.WriteNumberValue(d); json.WriteEndArray();
                json.WriteStartArray("data_offsets"); json.WriteNumberValue(offset); json.WriteNumberValue(offset + bytes); json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        // The header is padded with spaces to a multiple of 8 bytes, like the reference writer.
        int padded = (int)((header.Length + 7) / 8 * 8);
        var headerBytes = new byte[padded];
        Array.Fill(headerBytes, (byte)' ');
        header.ToArray().CopyTo(headerBytes, 0);

        WriteAtomically(path, stream =>
        {
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            stream.Write(length);
            stream.Write(headerBytes);
            foreach (var (_, t) in tensors) t.WriteBytesToStream(stream, 1 << 20);
        });
    }

    public static void WriteJson<T>(string path, T value)
    {
        var text = JsonSerializer.Serialize(value, new JsonSerializerOptions { WriteIndented = true });
        WriteAtomically(path, s => s.Write(Encoding.UTF8.GetBytes(text + "\n")));
    }

    public static void WriteAtomically(string path, Action<Stream> write)
    {
        string temp = path + ".tmp-" + Environment.ProcessId;
        try
        {
            using (var stream = File.Create(temp)) write(stream);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);   // a failed write leaves nothing behind (after the move there is nothing to delete)
        }
    }
}
