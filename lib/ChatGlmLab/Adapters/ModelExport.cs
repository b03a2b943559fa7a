using ChatGlmLab.Checkpoints;
using ChatGlmLab.Modeling;
using static TorchSharp.torch;

namespace ChatGlmLab.Adapters;

/// <summary>
/// Writes a complete Hugging Face-layout checkpoint (config.json + pytorch_model.bin, sharded with an
/// index above <c>maxShardBytes</c>) that upstream's from_pretrained and this kit both load. LoRA
/// adapters are merged first; the rotary inv_freq buffers are written as real checkpoints have them.
/// </summary>
public static class ModelExport
{
    public static void SavePretrained(ChatGlmForConditionalGeneration model, string dir, long maxShardBytes = 2L << 30)
    {
        if (Lora.Adapters(model).Any()) Lora.MergeAndUnload(model);
        Directory.CreateDirectory(dir);
        var config = model.Config.Clone();
        config.TorchDtype = model.DType switch
        {
            ScalarType.Float16 => "float16",
            ScalarType.BFloat16 => "bfloat16",
            _ => "float32",
        };
        config.Save(Path.Combine(dir, "config.json"));

        var state = new List<(string Key, Tensor Value)>();
        var invFreq = tensor(RotaryEmbedding.InverseFrequencies(model.Config.HeadDim)).to(model.DType);
        foreach (var (key, value) in model.state_dict())
        {
            state.Add((key, value));
            if (key.EndsWith(".attention.query_key_value.weight") && key.StartsWith("transformer.layers."))
                state.Add((key.Replace(".query_key_value.weight", ".rotary_emb.inv_freq"), invFreq));
        }

        var shards = new List<List<(string Key, Tensor Value)>> { new() };
        long current = 0;
        foreach (var item in state)
        {
            long bytes = item.Value.numel() * item.Value.element_size();
            if (current > 0 && current + bytes > maxShardBytes) { shards.Add(new()); current = 0; }
            shards[^1].Add(item);
            current += bytes;
        }
        if (shards.Count == 1)
        {
            CheckpointWriter.SaveTorch(Path.Combine(dir, "pytorch_model.bin"), shards[0].ToDictionary(x => x.Key, x => x.Value));
            return;
        }
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long total = 0;
        for (int i = 0; i < shards.Count; i++)
        {
            string name = $"pytorch_model-{i + 1:D5}-of-{shards.Count:D5}.bin";
            CheckpointWriter.SaveTorch(Path.Combine(dir, name), shards[i].ToDictionary(x => x.Key, x => x.Value));
            foreach (var (k, v) in shards[i]) { weightMap[k] = name; total += v.numel() * v.element_size(); }
        }
        CheckpointWriter.WriteJson(Path.Combine(dir, "pytorch_model.bin.index.json"),
            new { metadata = new { total_size = total }, weight_map = weightMap });
    }
}
