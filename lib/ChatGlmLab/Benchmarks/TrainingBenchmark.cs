using System.Diagnostics;
using ChatGlmLab.Adapters;
using ChatGlmLab.Benchmarks;
using ChatGlmLab.ModelInputs;
using ChatGlmLab.Modeling;
using ChatGlmLab.Runtime;
using ChatGlmLab.Training;
using static TorchSharp.torch;

namespace ChatGlmLab.Benchmarks;

/// <summary>Settings of the training benchmark (defaults: the mid-size model of <see cref="ModelBenchmarkOptions"/>).</summary>
public sealed record TrainingBenchmarkOptions
{
    public ModelBenchmarkOptions Model { get; init; } = new();
    public int BatchSize { get; init; } = 4;
    public int SequenceLength { get; init; } = 128;
    /// <summary>Updates before timing starts (allocator and kernel selection).</summary>
    public int WarmupSteps { get; init; } = 2;
    public int MeasuredSteps { get; init; } = 5;
    public IReadOnlyList<string> Methods { get; init; } = ["lora", "full"];
    public IReadOnlyList<bool> Bf16 { get; init; } = [false, true];
    public bool GradientCheckpointing { get; init; }
    /// <summary>torch intra-op threads for the run (0 = leave as is). On a shared, oversubscribed machine one
    /// thread can beat two by a wide margin, because every parallel op waits for the second thread to be scheduled.</summary>
    public int Threads { get; init; }
}

/// <summary>One configuration's figures: training tokens per second, seconds per update, peak resident memory.</summary>
public sealed record TrainingBenchmarkResult(string Method, string ComputeType, bool GradientCheckpointing, int Threads, int BatchSize, int SequenceLength,
    double TokensPerSecond, double SecondsPerStep, double PeakRssMb, long TrainableParameters, double TrainablePercent);

/// <summary>Resident memory over a long run of small steps (a leak shows as growth after the warm-up).</summary>
/// Live tensors are TorchSharp's count of undisposed tensors on the training thread: equal counts mean no tensor leaks.
public sealed record MemoryStabilityResult(int Steps, double RssAfterWarmupMb, double RssAtEndMb, double GrowthMb, double PeakRssMb,
    long LiveTensorsAfterWarmup, long LiveTensorsAtEnd);

/// <summary>
/// Training throughput of the trainer itself (forward, backward, clipping, AdamW, logging) on a randomly
/// initialised model, per fine-tuning method and compute dtype; and a memory-stability check.
/// </summary>
public static class TrainingBenchmark
{
    public static IReadOnlyList<TrainingBenchmarkResult> Run(TrainingBenchmarkOptions? options = null)
    {
        options ??= new TrainingBenchmarkOptions();
        int threads = get_num_threads();
        if (options.Threads > 0) set_num_threads(options.Threads);
        try
        {
            var results = new List<TrainingBenchmarkResult>();
            foreach (var method in options.Methods)
                foreach (var bf16 in options.Bf16)
                    results.Add(RunOne(options, method, bf16));
            return results;
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    private static TrainingBenchmarkResult RunOne(TrainingBenchmarkOptions options, string method, bool bf16)
    {
        var config = options.Model.Config();
        string dir = Directory.CreateTempSubdirectory("chatglmlab-trainbench-").FullName;
        try
        {
            using var model = ChatGlmForConditionalGeneration.Create(config);
            var source = SyntheticSource(config, options.BatchSize * (options.WarmupSteps + options.MeasuredSteps), options.SequenceLength, options.BatchSize);
            var args = new TrainingArguments
            {
                OutputDir = dir, OverwriteOutputDir = true, MaxSteps = options.WarmupSteps + options.MeasuredSteps, LearningRate = 1e-4,
                LoggingSteps = 1000, SaveStrategy = "no", Bf16 = bf16, DisableTqdm = true, GradientCheckpointing = options.GradientCheckpointing,
            };
            using var trainer = new Trainer(model, args, new FinetuningOptions { FinetuningTypeName = method }, source, null, "benchmark");
            var clock = new Stopwatch();
            // Timed from the end of the warm-up to the last update: the final save (a full checkpoint for "full") is not training.
            int lastStep = options.WarmupSteps + options.MeasuredSteps;
            trainer.StepCompleted += s =>
            {
                if (s.GlobalStep == options.WarmupSteps) clock.Start();
                if (s.GlobalStep == lastStep) clock.Stop();
            };
            ProcessMemory.ResetPeak();
            var result = trainer.Train();
            double seconds = clock.Elapsed.TotalSeconds;
            double tokens = (double)options.MeasuredSteps * options.BatchSize * options.SequenceLength;
            return new TrainingBenchmarkResult(method, trainer.ComputeType.ToString(), options.GradientCheckpointing, get_num_threads(), options.BatchSize, options.SequenceLength,
                tokens / seconds, seconds / options.MeasuredSteps, result.PeakResidentBytes / 1048576.0,
                result.TrainableParameters.Trainable, result.TrainableParameters.Percent);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// <paramref name="steps"/> LoRA updates of batch 2 on a tiny random model (hidden 64, 2 layers):
    /// resident memory after the first 10% of steps and at the end. Flat means no per-step leak.
    /// </summary>
    public static MemoryStabilityResult MeasureMemoryStability(int steps = 1000)
    {
        var config = new ModelBenchmarkOptions { HiddenSize = 64, NumLayers = 2, NumHeads = 4, InnerHiddenSize = 256, VocabSize = 600 }.Config();
        string dir = Directory.CreateTempSubdirectory("chatglmlab-memory-").FullName;
        try
        {
            using var model = ChatGlmForConditionalGeneration.Create(config);
            var args = new TrainingArguments
            {
                OutputDir = dir, OverwriteOutputDir = true, MaxSteps = steps, LearningRate = 1e-3, LoggingSteps = 50,
                SaveStrategy = "no", DisableTqdm = true,
            };
            using var trainer = new Trainer(model, args, new FinetuningOptions { FinetuningTypeName = "lora" }, SyntheticSource(config, 64, 24, 2), null, "memory");
            int warm = Math.Max(1, steps / 10);
            long afterWarmup = 0, liveAfterWarmup = 0, liveAtEnd = 0;
            trainer.StepCompleted += s =>
            {
                if (s.GlobalStep != warm && s.GlobalStep != steps) return;
                GC.Collect();
                GC.WaitForPendingFinalizers();
                if (s.GlobalStep == warm)
                {
                    afterWarmup = ProcessMemory.ResidentBytes();
                    liveAfterWarmup = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
                }
                else
                    liveAtEnd = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            };
            var result = trainer.Train();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long end = ProcessMemory.ResidentBytes();
            const double mb = 1048576.0;
            return new MemoryStabilityResult(steps, afterWarmup / mb, end / mb, (end - afterWarmup) / mb, result.PeakResidentBytes / mb, liveAfterWarmup, liveAtEnd);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Random supervised rows of one length: half prompt, half answer.</summary>
    internal static InMemoryBatchSource SyntheticSource(ChatGlmConfig config, int rows, int length, int batchSize)
    {
        var rng = new Random(0);
        int promptLength = length / 2 - 2, answerLength = length - promptLength - 3;
        var data = new List<(long[], long[])>();
        for (int r = 0; r < rows; r++)
        {
            var prompt = Enumerable.Range(0, promptLength).Select(_ => (long)rng.Next(10, config.VocabSize - 20)).ToArray();
            var answer = Enumerable.Range(0, answerLength).Select(_ => (long)rng.Next(10, config.VocabSize - 20)).ToArray();
            data.Add(InMemoryBatchSource.SupervisedRow(prompt, answer, config.GMaskTokenId, config.BosTokenId, config.EosTokenId));
        }
        return new InMemoryBatchSource(data, batchSize);
    }
}
