using System.Text;
using System.Text.Json;
using ChatGlmLab.Checkpoints;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Quantization;

/// <summary>Writes a state dict as model.safetensors, to craft deliberately broken checkpoints in tests.</summary>
public static class SafetensorsTestWriter
{
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var header = new Dictionary<string, object> { ["__metadata__"] = new Dictionary<string, string> { ["format"] = "pt" } };
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, t) in tensors)
        {
            var bytes = t.contiguous().bytes.ToArray();
            header[name] = new { dtype = SafetensorsFile.DTypeName(t.dtype), shape = t.shape, data_offsets = new[] { offset, offset + bytes.Length } };
            blobs.Add(bytes);
            offset += bytes.Length;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int padded = (json.Length + 7) / 8 * 8;
        using var file = File.Create(path);
        file.Write(BitConverter.GetBytes((ulong)padded));
        file.Write(json);
        for (int i = json.Length; i < padded; i++) file.WriteByte((byte)' ');
        foreach (var b in blobs) file.Write(b);
    }
}
