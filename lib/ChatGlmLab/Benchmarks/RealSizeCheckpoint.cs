using System.Text.Json;
using ChatGlmLab.Checkpoints;
using ChatGlmLab.Modeling;
using static TorchSharp.torch;
using ChatGlmLab.Runtime;

namespace ChatGlmLab.Benchmarks;

/// <summary>
/// A checkpoint with THUDM/chatglm-6b's exact layout — its config.json, key names, shapes, float16 tensors in
/// 8 torch.save shards with a pytorch_model.bin.index.json, the rotary inv_freq buffers, the real tokenizer files —
/// and seeded random weights, so the real size can be measured without the 13 GB download. <c>layers</c> below
/// 28 gives a shorter model with the same per-layer shapes (quick runs). Written once: a directory whose
/// <see cref="MarkerFile"/> names the same seed and layers is reused.
/// </summary>
public static class RealSizeCheckpoint
{
    public const string MarkerFile = "realsize.json";
    public const int Shards = 8;

    public sealed record Marker(int Layers, int Seed, long TotalBytes);

    /// <summary>The config of the checkpoint: chatglm-6b's, with <paramref name="layers"/> layers.</summary>
    public static ChatGlmConfig Config(int layers)
    {
        var config = ChatGlmConfig.ChatGlm6B();
        config.NumLayers = layers;
        config.TorchDtype = "float16";
        return config;
    }

    /// <summary>Writes the checkpoint into <paramref name="dir"/> unless it is already there; returns its marker.</summary>
    /// <param name="dir">The checkpoint folder: reused when its marker names the same seed and layers, else rewritten.</param>
    /// <param name="layers">Transformer layers to write, at least 1 (28 for chatglm-6b's real size).</param>
    /// <param name="tokenizerDir">A folder with the real ice_text.model and tokenizer_config.json (copied beside the weights).</param>
    /// <param name="seed">Seeds the random weights; recorded in the marker.</param>
    /// <param name="log">Told each shard as it is written, with its size; null for silence.</param>
    public static Marker Ensure(string dir, int layers, string tokenizerDir, int seed = 0, Action<string>? log = null)
    {
        if (layers < 1) throw new ArgumentException($"--layers must be at least 1, got {layers}");
        string marker = Path.Combine(dir, MarkerFile);
        if (File.Exists(marker) && JsonFile.Deserialize<Marker>(marker) is { } existing
            && existing.Layers == layers && existing.Seed == seed)
            return existing;
        foreach (var file in new[] { "ice_text.model", "tokenizer_config.json" })
            if (!File.Exists(Path.Combine(tokenizerDir, file)))
                throw new FileNotFoundException($"{Path.Combine(tokenizerDir, file)} not found: give --tokenizer DIR with the real chatglm-6b tokenizer files", file);

        Directory.CreateDirectory(dir);
        if (File.Exists(marker)) File.Delete(marker);
        var config = Config(layers);
        config.Save(Path.Combine(dir, "config.json"));
        foreach (var file in new[] { "ice_text.model", "tokenizer_config.json" })
            File.Copy(Path.Combine(tokenizerDir, file), Path.Combine(dir, file), overwrite: true);

        manual_seed(seed);
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long total = 0;
        var groups = ShardGroups(layers);
        for (int s = 0; s < groups.Count; s++)
        {
            string name = $"pytorch_model-{s + 1:D5}-of-{groups.Count:D5}.bin";
            using var scope = NewDisposeScope();
            var shard = new Dictionary<string, Tensor>();
            foreach (var part in groups[s])
                foreach (var (key, tensor) in Tensors(config, part))
                {
                    shard[key] = tensor;
                    weightMap[key] = name;
                    total += tensor.numel() * 2;
                }
            CheckpointWriter.SaveTorch(Path.Combine(dir, name), shard);
            log?.Invoke($"wrote {name} ({shard.Values.Sum(t => t.numel()) * 2 / 1e9:F2} GB)");
        }
        var index = new { metadata = new { total_size = total }, weight_map = weightMap };
        File.WriteAllText(Path.Combine(dir, "pytorch_model.bin.index.json"), JsonSerializer.Serialize(index, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        var result = new Marker(layers, seed, total);
        File.WriteAllText(marker, JsonSerializer.Serialize(result) + "\n");
        return result;
    }

    /// <summary>
    /// What each shard holds: the embeddings and the first layers in the first shard, the last layers, the final
    /// LayerNorm and lm_head in the last, the other layers spread evenly between (≈1.6–1.9 GB each at 28 layers).
    /// Parts are "embeddings", "layer:i", "final".
    /// </summary>
    private static List<List<string>> ShardGroups(int layers)
    {
        int shards = Math.Min(Shards, layers + 1);
        var groups = Enumerable.Range(0, shards).Select(_ => new List<string>()).ToList();
        groups[0].Add("embeddings");
        // Layers split over the shards, the first and last shard taking half as many (they also hold a 1 GB table each).
        double[] weight = Enumerable.Range(0, shards).Select(s => s == 0 || s == shards - 1 ? 0.5 : 1.0).ToArray();
        double sum = weight.Sum(), edge = 0;
        int next = 0;
        for (int s = 0; s < shards; s++)
        {
            edge += weight[s] / sum * layers;
            int end = s == shards - 1 ? layers : (int)Math.Round(edge);
            for (; next < end; next++) groups[s].Add($"layer:{next}");
        }
        groups[^1].Add("final");
        return groups;
    }

    private static IEnumerable<(string Key, Tensor Value)> Tensors(ChatGlmConfig c, string part)
    {
        long h = c.HiddenSize, inner = c.InnerHiddenSize, vocab = c.VocabSize;
        if (part == "embeddings")
        {
            yield return ("transformer.word_embeddings.weight", Normal(vocab, h));
            yield break;
        }
        if (part == "final")
        {
            yield return ("transformer.final_layernorm.weight", ones(h, ScalarType.Float16));
            yield return ("transformer.final_layernorm.bias", zeros(h, ScalarType.Float16));
            yield return ("lm_head.weight", Normal(vocab, h));
            yield break;
        }
        int i = int.Parse(part["layer:".Length..]);
        string p = $"transformer.layers.{i}.";
        yield return (p + "input_layernorm.weight", ones(h, ScalarType.Float16));
        yield return (p + "input_layernorm.bias", zeros(h, ScalarType.Float16));
        // Upstream's RotaryEmbedding registers inv_freq = 1 / 10000^(2j/d) for d = head_dim / 2 (2-D positions), in float16.
        long d = c.HeadDim / 2;
        yield return (p + "attention.rotary_emb.inv_freq", exp(arange(0, d, 2, ScalarType.Float32) * (-Math.Log(10000.0) / d)).to(ScalarType.Float16));
        yield return (p + "attention.query_key_value.weight", Normal(3 * h, h));
        yield return (p + "attention.query_key_value.bias", Normal(3 * h));
        yield return (p + "attention.dense.weight", Normal(h, h));
        yield return (p + "attention.dense.bias", Normal(h));
        yield return (p + "post_attention_layernorm.weight", ones(h, ScalarType.Float16));
        yield return (p + "post_attention_layernorm.bias", zeros(h, ScalarType.Float16));
        yield return (p + "mlp.dense_h_to_4h.weight", Normal(inner, h));
        yield return (p + "mlp.dense_h_to_4h.bias", Normal(inner));
        yield return (p + "mlp.dense_4h_to_h.weight", Normal(h, inner));
        yield return (p + "mlp.dense_4h_to_h.bias", Normal(h));
    }

    /// <summary>normal(0, 0.02) in float16 (drawn in float32 from torch's seeded generator, then rounded).</summary>
    private static Tensor Normal(params long[] shape)
    {
        using var drawn = empty(shape, ScalarType.Float32).normal_(0, 0.02);
        return drawn.to(ScalarType.Float16);
    }
}
