using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace ChatGlmLab;

/// <summary>Which model to load and how (the Python toolkit's ModelArguments names).</summary>
public sealed record ModelArguments
{
    /// <summary>A Hugging Face-layout model directory (config.json + weights; tokenizer files optional).</summary>
    [JsonPropertyName("model_name_or_path")] public string ModelNameOrPath { get; init; } = "";
    /// <summary>Fine-tuning outputs applied in order (LoRA adapters, P-Tuning prefix, Freeze weights); comma list.</summary>
    [JsonPropertyName("checkpoint_dir")] public string? CheckpointDir { get; init; }
    /// <summary>null, 8 or 4: ChatGLM's weight-only quantization of the block linears.</summary>
    [JsonPropertyName("quantization_bit")] public int? QuantizationBit { get; init; }
    /// <summary>Weight dtype: float32 (CPU default), bfloat16, float16.</summary>
    [JsonIgnore] public ScalarType DType { get; init; } = ScalarType.Float32;
    [JsonIgnore] public Device? Device { get; init; }

    [JsonIgnore]
    public IReadOnlyList<string> CheckpointDirs =>
        CheckpointDir?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];

    /// <summary>
    /// Why <paramref name="outputDir"/> may not receive a model (an export, or the weights training saves), or null: it is
    /// the base model or one of the checkpoints (as real paths: "m/base/" or a symlink to m/base is m/base), whose files
    /// it would replace. <paramref name="argumentPrefix"/> is "--" to name the arguments as the command line spells them.
    /// </summary>
    public string? RefusalToWriteOver(string outputDir, string argumentPrefix = "")
    {
        var inputs = CheckpointDirs.Select(dir => (Argument: "checkpoint_dir", Path: dir)).Prepend(("model_name_or_path", ModelNameOrPath));
        foreach (var (argument, path) in inputs)
            if (Runtime.OutputDirectory.RefusalToOverwriteInput(outputDir, argumentPrefix + "output_dir", path, argumentPrefix + argument,
                    $"choose another {argumentPrefix}output_dir") is { } refusal)
                return refusal;
        return null;
    }
}
