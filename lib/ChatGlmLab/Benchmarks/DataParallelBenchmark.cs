using System.Diagnostics;
using ChatGlmLab.Adapters;
using ChatGlmLab.Distributed;
using ChatGlmLab.Modeling;
using ChatGlmLab.Training;
using static TorchSharp.torch;

namespace ChatGlmLab.Benchmarks;

/// <summary>Settings of the data-parallel benchmark: the mid-size model of <see cref="ModelBenchmarkOptions"/>, one global batch for every world size.</summary>
public sealed record DataParallelBenchmarkOptions
{
    public ModelBenchmarkOptions Model { get; init; } = new();
    /// <summary>Rows per update over all ranks (per-device batch = this / world size).</summary>
    public int GlobalBatchSize { get; init; } = 8;
    public int SequenceLength { get; init; } = 128;
    public int WarmupSteps { get; init; } = 2;
    public int MeasuredSteps { get; init; } = 5;
    public string Method { get; init; } = "lora";
}

/// <summary>
/// One configuration's figures (reported by rank 0): training tokens per second of the whole world, and the share of
/// the measured time rank 0 spent in collectives (the gradient all-reduce and the step's scalars, waiting for the
/// other ranks included).
/// </summary>
public sealed record DataParallelBenchmarkResult(string Method, int Processes, int ThreadsPerProcess, int GlobalBatchSize, int SequenceLength,
    double TokensPerSecond, double SecondsPerStep, double CommunicationShare, double PeakRssMbPerProcess, long TrainableParameters);

/// <summary>
/// Data-parallel training throughput: each process (started by mpirun, or alone) builds the same randomly initialised
/// model, trains on its shard of the same global batches and times the updates after a warm-up. Run once per world
/// size by <c>chatglm-lab bench ddp</c>, which compares 1 process × 2 threads with 2 processes × 1 thread.
/// </summary>
public static class DataParallelBenchmark
{
    public static DataParallelBenchmarkResult RunRank(DataParallelBenchmarkOptions options)
    {
        var world = ProcessGroup.Current;
        if (options.GlobalBatchSize % world.Size != 0)
            throw new ArgumentException($"the global batch {options.GlobalBatchSize} does not divide among {world.Size} processes");
        var config = options.Model.Config();
        int steps = options.WarmupSteps + options.MeasuredSteps;
        string dir = Directory.CreateTempSubdirectory("chatglmlab-ddpbench-").FullName;
        try
        {
            manual_seed(0);   // the same frozen base on every rank (the trainable parameters are broadcast anyway)
            using var model = ChatGlmForConditionalGeneration.Create(config);
            int perDevice = options.GlobalBatchSize / world.Size;
            var source = TrainingBenchmark.SyntheticSource(config, options.GlobalBatchSize * steps, options.SequenceLength, perDevice);
            var args = new TrainingArguments
            {
                // Every rank its own output folder: rank 0 alone writes, the others only check theirs.
                OutputDir = dir, OverwriteOutputDir = true, MaxSteps = steps, LearningRate = 1e-4, LoggingSteps = 1000,
                SaveStrategy = "no", DisableTqdm = true, DdpFindUnusedParameters = false,
            };
            using var trainer = new Trainer(model, args, new FinetuningOptions { FinetuningTypeName = options.Method }, source, null, "benchmark");
            var clock = new Stopwatch();
            TimeSpan communicationAtStart = TimeSpan.Zero, communicationAtEnd = TimeSpan.Zero;
            trainer.StepCompleted += s =>
            {
                if (s.GlobalStep == options.WarmupSteps) { clock.Start(); communicationAtStart = world.CommunicationTime; }
                if (s.GlobalStep == steps) { clock.Stop(); communicationAtEnd = world.CommunicationTime; }
            };
            var result = trainer.Train();
            double seconds = clock.Elapsed.TotalSeconds;
            double tokens = (double)options.MeasuredSteps * options.GlobalBatchSize * options.SequenceLength;
            return new DataParallelBenchmarkResult(options.Method, world.Size, get_num_threads(), options.GlobalBatchSize, options.SequenceLength,
                tokens / seconds, seconds / options.MeasuredSteps, (communicationAtEnd - communicationAtStart).TotalSeconds / seconds,
                result.PeakResidentBytes / 1048576.0, result.TrainableParameters.Trainable);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
