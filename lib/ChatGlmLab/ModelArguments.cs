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
}
