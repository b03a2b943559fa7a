using System.Diagnostics;
using ChatGlmLab.Adapters;
using ChatGlmLab.Generation;
using ChatGlmLab.ModelInputs;
using ChatGlmLab.Modeling;
using ChatGlmLab.Runtime;
using ChatGlmLab.Training;
using static TorchSharp.torch;

namespace ChatGlmLab.Benchmarks;

/// <summary>
/// One row of the real-size table: inference (load, prefill, decode) or a few training steps of one method, on the
/// block linears quantized to <see cref="Bits"/> (null = 16-bit). Each runs in a fresh process so its peak memory is its own.
/// </summary>
public sealed record RealSizePhase(string Name, int? Bits, string? Method = null, int BatchSize = 1)
{
    public bool IsTraining => Method != null;
    public string Weights => Bits is int b ? $"INT{b}" : "bf16";

    /// <summary>The seed's table rows that fit one 23 GiB CPU machine (its section 5: LoRA / P-Tuning / Freeze × FP16 / INT8 / INT4).</summary>
    public static readonly IReadOnlyList<RealSizePhase> All =
    [
        new("infer-int4", 4), new("infer-int8", 8), new("infer-bf16", null),
        new("lora-int4-b1", 4, "lora", 1), new("lora-int4-b4", 4, "lora", 4),
        new("lora-int8-b1", 8, "lora", 1), new("lora-int8-b4", 8, "lora", 4),
        new("lora-bf16-b1", null, "lora", 1), new("lora-bf16-b4", null, "lora", 4),
        new("ptuning-int4-b1", 4, "p_tuning", 1), new("ptuning-int8-b1", 8, "p_tuning", 1),
        new("freeze-int8-b1", 8, "freeze", 1),
    ];

    public static RealSizePhase Named(string name) =>
        All.FirstOrDefault(p => p.Name == name) ?? throw new ArgumentException($"unknown phase '{name}'; valid: {string.Join(", ", All.Select(p => p.Name))}");
}

/// <summary>What one phase measured. Memory in bytes (peak = VmHWM of the phase's own process); times in seconds.</summary>
public sealed record RealSizeResult(string Phase, double LoadSeconds, long PeakRssDuringLoad, long RssAfterLoad,
    double PrefillTokensPerSecond, double DecodeSecondsPerToken, double SecondsPerStep, double ExamplesPerSecond, long PeakRss, string Note);

/// <summary>Settings shared by the phases of one run.</summary>
public sealed record RealSizeOptions
{
    public required string CheckpointDir { get; init; }
    public string Device { get; init; } = "cpu";
    public int PromptLength { get; init; } = 256;
    public int NewTokens { get; init; } = 64;
    public int SequenceLength { get; init; } = 256;
    /// <summary>Training steps per row; the first is a warm-up and is not timed.</summary>
    public int TrainingSteps { get; init; } = 2;
}

/// <summary>
/// Runs one phase of the real-size benchmark in this process (the CLI starts one process per phase), and says
/// what the machine's limits allow for it: bytes read per decoded token ÷ memory bandwidth, matmul FLOPs ÷ GFLOP/s.
/// </summary>
public static class RealSizeBenchmark
{
    /// <summary>The dtype every phase loads and computes in: bf16 (16-bit weights fit where fp32 would not; on a CPU without bf16
    /// instructions its matmuls widen to float32, see Runtime/MatmulPrecision).</summary>
    public const ScalarType ComputeType = ScalarType.BFloat16;

    public static RealSizeResult Run(RealSizePhase phase, RealSizeOptions options)
    {
        // The toolkit's defaults are the table's rows: LoRA r8 on query_key_value, P-Tuning pre_seq_len 16, Freeze the last 3 layers' mlp.
        var device = Runtime.ComputeDevice.Parse(options.Device);
        var clock = Stopwatch.StartNew();
        var method = phase.Method is { } name ? new FinetuningOptions { FinetuningTypeName = name } : null;
        // Freeze on a quantized base: the layers it trains load in float (as `train` does).
        var keepFloat = method?.Type == FinetuningType.Freeze && phase.Bits != null
            ? Freezing.FreezeTrainedLinears(ChatGlmConfig.FromPretrained(options.CheckpointDir).NumLayers, method)
            : null;
        using var model = ChatGlmForConditionalGeneration.FromPretrained(options.CheckpointDir, new ModelLoadOptions
        {
            QuantizationBit = phase.Bits, DType = ComputeType, Device = device, KeepFloat = keepFloat,
        });
        double load = clock.Elapsed.TotalSeconds;
        GC.Collect();
        long peakLoad = ProcessMemory.PeakResidentBytes(), afterLoad = ProcessMemory.ResidentBytes();
        return phase.IsTraining
            ? Train(model, phase, method!, options, load, peakLoad, afterLoad)
            : Infer(model, phase, options, load, peakLoad, afterLoad);
    }

    private static RealSizeResult Infer(ChatGlmForConditionalGeneration model, RealSizePhase phase, RealSizeOptions options, double load, long peakLoad, long afterLoad)
    {
        var config = model.Config;
        var ids = tensor(Prompt(config, options.PromptLength), [1, options.PromptLength], device: model.Device);
        // Never stop at eos, so every run produces exactly the tokens asked for. One call: the prefill ends when the first
        // token arrives, each later token is one decode step with the KV cache.
        var generation = new GenerationOptions { MaxNewTokens = options.NewTokens, DoSample = false, EosTokenId = -1 };
        var clock = Stopwatch.StartNew();
        double prefill = 0;
        using (var scope = NewDisposeScope())
            model.Generate(ids, generation, onTokens: _ => { if (prefill == 0) prefill = clock.Elapsed.TotalSeconds; });
        double decode = (clock.Elapsed.TotalSeconds - prefill) / Math.Max(1, options.NewTokens - 1);
        return new RealSizeResult(phase.Name, load, peakLoad, afterLoad, options.PromptLength / prefill, decode, 0, 0,
            ProcessMemory.PeakResidentBytes(), $"prompt {options.PromptLength}, {options.NewTokens} greedy tokens with the KV cache");
    }

    private static RealSizeResult Train(ChatGlmForConditionalGeneration model, RealSizePhase phase, FinetuningOptions method, RealSizeOptions options,
        double load, long peakLoad, long afterLoad)
    {
        string dir = Directory.CreateTempSubdirectory("chatglmlab-realsize-").FullName;
        try
        {
            var source = TrainingBenchmark.SyntheticSource(model.Config, phase.BatchSize * options.TrainingSteps, options.SequenceLength, phase.BatchSize);
            var args = new TrainingArguments
            {
                OutputDir = dir, OverwriteOutputDir = true, MaxSteps = options.TrainingSteps, LearningRate = 1e-4, LoggingSteps = 1000,
                SaveStrategy = "no", Bf16 = true, DisableTqdm = true, GradientCheckpointing = true,
            };
            using var trainer = new Trainer(model, args, method, source, null, "realsize");
            var clock = new Stopwatch();
            trainer.StepCompleted += s =>
            {
                if (s.GlobalStep == 1) clock.Start();
                if (s.GlobalStep == options.TrainingSteps) clock.Stop();
            };
            trainer.Train();
            int timed = Math.Max(1, options.TrainingSteps - 1);
            double step = clock.Elapsed.TotalSeconds / timed;
            return new RealSizeResult(phase.Name, load, peakLoad, afterLoad, 0, 0, step, phase.BatchSize / step, ProcessMemory.PeakResidentBytes(),
                $"batch {phase.BatchSize}×{options.SequenceLength}, gradient checkpointing, {trainer.TrainableParameters}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Seconds at the machine's limit for the phase: decode (bytes read per token ÷ bandwidth), prefill and a training step (FLOPs ÷ matmul rate).</summary>
    public static (double Decode, double Prefill, double Step) Floor(RealSizePhase phase, ChatGlmConfig config, RealSizeOptions options, MachineLimits limits)
    {
        var size = ModelSize.Of(config);
        double head = (double)config.VocabSize * config.HiddenSize;
        double blockBytes = phase.Bits is int bits ? size.QuantizableWeights * bits / 8.0 + size.QuantizedRows * 2.0 : size.QuantizableWeights * 2.0;
        double decode = (blockBytes + head * 2) / (limits.CopyGBPerSecond * 1e9);
        // FLOP/s of the dtype the matmuls run in (Runtime/MatmulPrecision): on a CPU that emulates bf16, float32 for every
        // frozen weight, bf16 for the weights that train (Freeze's).
        double flops = limits.GFlops(MatmulPrecision.ComputeType(ComputeType, Runtime.ComputeDevice.Parse(options.Device).type)) * 1e9;
        double trainedFlops = limits.GFlops(ComputeType) * 1e9;
        double prefill = (2.0 * size.QuantizableWeights * options.PromptLength + 2 * head) / flops;
        // Gradient checkpointing: every block linear runs forward (2·W per token); backward reaches only the layers at and above
        // the first trainable one — all of them for LoRA and P-Tuning (adapters and prefixes in every layer), Freeze's last 3
        // for Freeze — where it recomputes the forward and computes input gradients (4·W), plus weight gradients where weights
        // train (Freeze's mlp linears); lm_head forward and backward at the answer half of the tokens.
        double tokens = (double)phase.BatchSize * options.SequenceLength;
        bool freeze = phase.Method == "freeze";
        double backwardLayers = freeze ? 3.0 / config.NumLayers : 1.0;
        double trainable = freeze ? 3.0 * 2 * config.HiddenSize * config.InnerHiddenSize : 0;
        double step = ((2.0 + 4.0 * backwardLayers) * size.QuantizableWeights + 4 * head / 2) * tokens / flops + 2 * trainable * tokens / trainedFlops;
        return (decode, prefill, step);
    }

    private static long[] Prompt(ChatGlmConfig config, int length)
    {
        var rng = new Random(0);
        return Enumerable.Range(0, length - 2).Select(_ => (long)rng.Next(10, 130000))
            .Append(config.GMaskTokenId).Append(config.BosTokenId).ToArray();
    }
}
