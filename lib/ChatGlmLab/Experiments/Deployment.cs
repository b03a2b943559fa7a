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
        if (InputRefusal(modelArgs, outputDir) is { } refusal) throw new ArgumentException(refusal);
        using var model = ChatGlm.LoadPretrained(modelArgs).Model;
        ModelExport.SavePretrained(model, outputDir);
        return CopyTokenizerFiles(modelArgs.ModelNameOrPath, outputDir);
    }

    /// <summary>
    /// Why <paramref name="outputDir"/> may not receive the export, or null: it is the base model or one of the checkpoints
    /// (as real paths: "m/base/" or a symlink to m/base is m/base), whose files the export would replace.
    /// <paramref name="argumentPrefix"/> is "--" to name the arguments as the command line spells them.
    /// </summary>
    public static string? InputRefusal(ModelArguments modelArgs, string outputDir, string argumentPrefix = "")
    {
        var inputs = modelArgs.CheckpointDirs.Select(dir => (Argument: "checkpoint_dir", Path: dir)).Prepend(("model_name_or_path", modelArgs.ModelNameOrPath));
        foreach (var (argument, path) in inputs)
            if (OutputDirectory.RefusalToOverwriteInput(outputDir, argumentPrefix + "output_dir", path, argumentPrefix + argument,
                    $"choose another {argumentPrefix}output_dir") is { } refusal)
                return refusal;
        return null;
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
