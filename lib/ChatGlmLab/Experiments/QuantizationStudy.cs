using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using ChatGlmLab.Modeling;
using static TorchSharp.torch;
using ChatGlmLab.Runtime;

namespace ChatGlmLab.Experiments;

/// <summary>One base precision of the quantization study.</summary>
public sealed record QuantizationRow
{
    [JsonPropertyName("base")] public required string Base { get; init; }
    /// <summary>Weight bytes of the base model in this precision (ChatGLM's layout for int8/int4), adapter excluded.</summary>
    [JsonPropertyName("weight_bytes")] public long WeightBytes { get; init; }
    [JsonPropertyName("load_seconds")] public double LoadSeconds { get; init; }
    [JsonPropertyName("result")] public required MethodResult Result { get; init; }
}

/// <summary>
/// The same model (base, plus an optional fine-tuning checkpoint such as a LoRA adapter) loaded as
/// fp32, bf16, int8 and int4 (ChatGLM's weight-only quantization of the block linears, quantized on
/// load) and evaluated like a comparison column: weight memory, generation speed, BLEU/ROUGE and
/// entity F1. Quantization changes only how the base weights are stored, so the differences between
/// rows are what quantization costs. Written to quantization.json.
/// </summary>
public static class QuantizationStudy
{
    public const string ResultFile = "quantization.json";
    public static readonly (string Name, ScalarType DType, int? Bits)[] Bases =
        [("fp32", ScalarType.Float32, null), ("bf16", ScalarType.BFloat16, null), ("int8", ScalarType.Float32, 8), ("int4", ScalarType.Float32, 4)];

    public static IReadOnlyList<QuantizationRow> Run(ExperimentData data, string? checkpointDir = null, Action<string>? log = null)
    {
        var rows = new List<QuantizationRow>();
        var size = ModelSize.Of(ChatGlmConfig.FromPretrained(data.BaseModelDir));
        // Each row is evaluated as loaded: no bf16 cast on top of the precision under study.
        var rowData = data with { Options = data.Options with { Finetune = data.Options.Finetune with { Bf16 = false } } };
        foreach (var (name, dtype, bits) in Bases)
        {
            var clock = Stopwatch.StartNew();
            var (model, _) = ChatGlm.LoadPretrained(new ModelArguments { ModelNameOrPath = data.BaseModelDir, CheckpointDir = checkpointDir, DType = dtype, QuantizationBit = bits, Device = data.Options.TorchDevice() });
            double load = clock.Elapsed.TotalSeconds;
            var result = MethodRun.Evaluate(rowData, "quantization-" + name, checkpointDir == null ? "none" : "checkpoint",
                checkpointDir == null ? $"base, {name}" : $"base {name} + {checkpointDir}", null, model, null, log);
            rows.Add(new QuantizationRow
            {
                Base = name, LoadSeconds = load, Result = result,
                WeightBytes = bits is int b ? size.QuantizedBytes(b) : size.Bytes(dtype),
            });
        }
        File.WriteAllText(Path.Combine(data.Options.OutputDir, ResultFile), JsonSerializer.Serialize(rows, ComparisonReport.Json) + "\n");
        return rows;
    }

    public static IReadOnlyList<QuantizationRow> Read(string path) =>
        JsonFile.Deserialize<List<QuantizationRow>>(path, ComparisonReport.Json);
}
