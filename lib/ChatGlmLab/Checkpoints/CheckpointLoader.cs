using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Checkpoints;

/// <summary>
/// Finds the weight files of a Hugging Face model directory and copies them into a module's
/// parameters by state-dict key, one file (shard) at a time, converting dtypes on the way.
/// Keys that upstream recomputes (rotary inv_freq) are ignored; any other missing or unexpected key
/// is an error that lists them.
/// </summary>
public static class CheckpointLoader
{
    /// <summary>Keys present in real checkpoints that the model recomputes instead of loading.</summary>
    public static bool IsIgnoredKey(string key) => key.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal);

    public static readonly string[] KnownLayouts =
        ["model.safetensors.index.json", "model.safetensors", "pytorch_model.bin.index.json", "pytorch_model.bin"];

    /// <summary>The weight files of a model directory, in load order.</summary>
    public static IReadOnlyList<string> FindWeightFiles(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"model directory not found: {dir}");
        foreach (var layout in KnownLayouts)
        {
            string path = System.IO.Path.Combine(dir, layout);
            if (!File.Exists(path)) continue;
            if (!layout.EndsWith(".index.json")) return [path];
            return ReadShardIndex(path);
        }
        throw new FileNotFoundException($"no weights in {dir}: looked for {string.Join(", ", KnownLayouts)}");
    }

    private static IReadOnlyList<string> ReadShardIndex(string indexPath)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(indexPath)); }
        catch (JsonException e) { throw new InvalidDataException($"{indexPath}: invalid JSON ({e.Message})", e); }
        if (!doc.RootElement.TryGetProperty("weight_map", out var map))
            throw new InvalidDataException($"{indexPath}: no 'weight_map'");
        string dir = System.IO.Path.GetDirectoryName(indexPath)!;
        var files = new List<string>();
        foreach (var entry in map.EnumerateObject())
        {
            string file = System.IO.Path.Combine(dir, entry.Value.GetString() ?? "");
            if (!files.Contains(file)) files.Add(file);
        }
        foreach (var f in files)
            if (!File.Exists(f)) throw new FileNotFoundException($"{indexPath}: shard {System.IO.Path.GetFileName(f)} is missing", f);
        return files;
    }

    /// <summary>Opens one weight file by its format (zip torch.save or safetensors).</summary>
    public static ICheckpointFile Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint not found: {path}", path);
        return path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
            ? new SafetensorsFile(path)
            : new TorchZipCheckpoint(path);
    }

    /// <summary>Reads a whole (small) state dict into independent tensors, e.g. an adapter file.</summary>
    public static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        using var file = Open(path);
        var result = new Dictionary<string, Tensor>();
        foreach (var t in file.Tensors)
        {
            using var view = t.Read();
            result[t.Name] = view.contiguous().clone().DetachFromDisposeScope();
        }
        return result;
    }

    /// <summary>Where a checkpoint tensor goes when the module stores it differently; returns true when it consumed the tensor.</summary>
    public delegate bool TensorSink(CheckpointTensor source, Tensor value);

    /// <summary>
    /// Loads every weight file of <paramref name="modelDir"/> into <paramref name="module"/> (parameters and buffers, by
    /// state-dict key; see <see cref="StateDictCopy"/>). <paramref name="customSink"/> may take tensors the module stores
    /// differently (e.g. quantizing a float weight on load); it returns true when it consumed the tensor and names the keys it
    /// fills through <paramref name="customKeys"/>. A sink that fills a key without being handed a tensor of that name (e.g.
    /// the scale computed while quantizing a float weight) adds that key to <paramref name="customFilled"/>, which counts as loaded.
    /// </summary>
    public static CheckpointLoadReport LoadInto(nn.Module module, string modelDir, TensorSink? customSink = null, ISet<string>? customKeys = null,
        ISet<string>? customFilled = null)
    {
        var files = FindWeightFiles(modelDir);
        var result = StateDictCopy.Into(StateDictCopy.Targets(module), files, modelDir, new StateDictCopyOptions
        {
            Ignore = IsIgnoredKey,
            Fix = "does config.json match the weights?",
            CustomKeys = customSink != null && customKeys != null ? customKeys.ToHashSet(StringComparer.Ordinal) : null,
            CustomSink = customSink,
            CustomFilled = customFilled,   // filled by the sink during the copy: read after it
        });
        return new CheckpointLoadReport(files, result.Loaded.Count);
    }
}

/// <summary>What a load did.</summary>
public sealed record CheckpointLoadReport(IReadOnlyList<string> Files, int TensorsLoaded);
