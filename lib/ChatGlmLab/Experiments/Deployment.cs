using ChatGlmLab.Adapters;
using ChatGlmLab.Runtime;

namespace ChatGlmLab.Experiments;

/// <summary>
/// The toolkit's export_model.py: a base model with its fine-tuning checkpoints applied (LoRA merged into
/// the weights, a P-Tuning prefix or Freeze weights loaded) saved as one full Hugging Face-layout model with
/// the base model's tokenizer files, so it loads without checkpoint_dir. Used by <c>chatglm-lab export</c>
/// and the chat-and-deploy notebook.
/// </summary>
public static class Deployment
{
    /// <returns>The tokenizer files copied from the base model directory.</returns>
    public static IReadOnlyList<string> Export(ModelArguments modelArgs, string outputDir)
    {
        if (modelArgs.QuantizationBit != null)
            throw new ArgumentException("export writes a float checkpoint; drop quantization_bit (quantize when loading the export instead)");
        if (modelArgs.RefusalToWriteOver(outputDir) is { } refusal) throw new ArgumentException(refusal);
        using var model = ChatGlm.LoadPretrained(modelArgs).Model;
        ModelExport.SavePretrained(model, outputDir);
        return CopyTokenizerFiles(modelArgs.ModelNameOrPath, outputDir);
    }

    /// <summary>The tokenizer (config, special tokens, SentencePiece model) and the remote-code .py files HF's from_pretrained needs.</summary>
    public static IReadOnlyList<string> CopyTokenizerFiles(string fromDir, string toDir)
    {
        var copied = new List<string>();
        foreach (var path in Directory.EnumerateFiles(fromDir).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(path);
            bool isTokenizerFile = name is "tokenizer_config.json" or "special_tokens_map.json" || name.EndsWith(".model", StringComparison.Ordinal)
                                   || name.EndsWith(".py", StringComparison.Ordinal);
            if (!isTokenizerFile) continue;
            File.Copy(path, Path.Combine(toDir, name), overwrite: true);
            copied.Add(name);
        }
        return copied;
    }
}
