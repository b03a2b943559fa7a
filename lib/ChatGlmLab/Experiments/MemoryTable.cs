using System.Text;
using ChatGlmLab.Adapters;
using ChatGlmLab.Modeling;
using static TorchSharp.torch;

namespace ChatGlmLab.Experiments;

/// <summary>One row of the memory table: a method on a base of some precision.</summary>
public sealed record MemoryRow(string Method, string Base, long WeightBytes, long TrainableParameters, long TrainingStateBytes)
{
    public long TotalBytes => WeightBytes + TrainingStateBytes;
}

/// <summary>
/// Weight and training-state memory per fine-tuning method × base precision, computed on the meta
/// device from the real architecture (no weights are allocated). Training state = float32 master
/// copy where the base is not float32 + float32 gradient + AdamW's two float32 moments per trainable
/// parameter. Activations are not included (they depend on batch size and sequence length).
/// </summary>
public static class MemoryTable
{
    public static readonly string[] Bases = ["fp32", "fp16", "int8", "int4"];

    public static IReadOnlyList<MemoryRow> Compute(ChatGlmConfig config, IReadOnlyList<FinetuningOptions> methods)
    {
        var size = ModelSize.Of(config);
        var rows = new List<MemoryRow>();
        foreach (var method in methods)
        {
            long trainable = TrainableCount(config, method);
            foreach (var b in Bases)
            {
                // Full and Freeze update base weights, which a quantized base cannot hold.
                bool quantized = b is "int8" or "int4";
                if (quantized && method.Type is FinetuningType.Full or FinetuningType.Freeze) continue;
                long weights = b switch
                {
                    "fp32" => size.Bytes(ScalarType.Float32),
                    "fp16" => size.Bytes(ScalarType.Float16),
                    "int8" => size.QuantizedBytes(8),
                    _ => size.QuantizedBytes(4),
                };
                // LoRA/P-Tuning parameters come on top of the base; their weights are float32.
                if (method.Type is FinetuningType.Lora or FinetuningType.PTuning) weights += trainable * 4;
                long master = b == "fp32" || method.Type is FinetuningType.Lora or FinetuningType.PTuning ? 0 : trainable * 4;
                long state = master + trainable * 4 * 3;
                rows.Add(new MemoryRow(FinetuningOptions.NameOf(method.Type) + Describe(method), b, weights, trainable, state));
            }
        }
        return rows;
    }

    private static string Describe(FinetuningOptions o) => o.Type switch
    {
        FinetuningType.Lora => $" (r={o.LoraRank}, {o.LoraTarget})",
        FinetuningType.PTuning => $" (pre_seq_len={o.PreSeqLen}{(o.PrefixProjection ? ", projection" : "")})",
        FinetuningType.Freeze => $" ({o.TrainableLayers} layers, {o.NameModuleTrainable})",
        _ => "",
    };

    /// <summary>Trainable parameters of a method, by preparing the meta-device model exactly as for training.</summary>
    public static long TrainableCount(ChatGlmConfig config, FinetuningOptions method)
    {
        using var meta = ChatGlmForConditionalGeneration.CreateMeta(config.Clone());
        if (method.Type == FinetuningType.PTuning)
        {
            // The prefix encoder is created on the model's device (meta here) by the same code path.
            meta.Config.PreSeqLen = method.PreSeqLen;
            meta.Config.PrefixProjection = method.PrefixProjection;
            meta.transformer.SetPrefixEncoder(new PrefixEncoder(meta.Config, new ModuleFactory(ScalarType.Float32, META, ParameterInit.Empty)));
        }
        return FineTuning.Prepare(meta, method).Trainable;
    }

    public static string ToMarkdown(IReadOnlyList<MemoryRow> rows)
    {
        static string GiB(long b) => $"{b / (double)(1L << 30):F2}";
        var sb = new StringBuilder();
        sb.AppendLine("| method | base | weights GiB | trainable params | training state GiB | total GiB (no activations) |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|");
        foreach (var r in rows)
            sb.AppendLine($"| {r.Method} | {r.Base} | {GiB(r.WeightBytes)} | {r.TrainableParameters:N0} | {GiB(r.TrainingStateBytes)} | {GiB(r.TotalBytes)} |");
        return sb.ToString();
    }

    /// <summary>The seed's comparison methods with the toolkit's default settings.</summary>
    public static IReadOnlyList<FinetuningOptions> DefaultMethods() =>
    [
        FinetuningOptions.For(FinetuningType.Lora),
        FinetuningOptions.For(FinetuningType.PTuning) with { PreSeqLen = 128 },
        FinetuningOptions.For(FinetuningType.PTuning) with { PreSeqLen = 128, PrefixProjection = true },
        FinetuningOptions.For(FinetuningType.Freeze),
        FinetuningOptions.For(FinetuningType.Full),
    ];
}
