using System.Text.Json;
using ChatGlmLab.Benchmarks;

namespace ChatGlmLab.Cli.Commands;

/// <summary>
/// <c>chatglm-lab bench ddp [--methods lora,full]</c>: training tokens/s of the mid-size model with 1 process × 2 threads
/// and with 2 processes × 1 thread (mpirun, the launcher's command line), at the same global batch, and the share of
/// the time spent in communication. Each configuration runs in child processes, so they do not share a heap or threads.
/// </summary>
public static class DataParallelBenchCommand
{
    private const string ResultPrefix = "ddp-result ";

    public static ArgumentSpec Spec() =>
        new ArgumentSpec("bench ddp")
            .With("methods", typeof(string), "finetuning types to measure, comma-separated", "lora,full");

    public static int Run(string[] args, CliContext context)
    {
        string methods = Spec().Parse(args).Get("methods")!;
        var output = context.Stdout;
        output.WriteLine($"machine: {ChatGlmLab.Runtime.MachineDescription.Current()}");
        foreach (var method in methods.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            foreach (var (processes, threads) in new[] { (1, 2), (2, 1) })
            {
                var rank = ThisProgram.CommandLine().Concat(["bench", "ddp-rank", "--method", method]);
                // The single process runs without mpirun (no MPI loaded, as a plain run); the two through the launcher's command line.
                var command = processes == 1
                    ? rank.Prepend($"OMP_NUM_THREADS={threads}").Prepend("env")
                    : LaunchCommand.MpirunCommandLine(new LaunchCommand.Request(processes, null, threads, []), [.. rank]);
                var r = RunChild(command, context);
                output.WriteLine($"ddp  {r.Method,-5} {r.Processes} process(es) × {r.ThreadsPerProcess} thread(s)  global batch {r.GlobalBatchSize}×{r.SequenceLength}  " +
                                 $"{r.TokensPerSecond,7:F0} tok/s  {r.SecondsPerStep:F2} s/step  communication {r.CommunicationShare:P1}  " +
                                 $"peak RSS {r.PeakRssMbPerProcess:F0} MB per process  trainable {r.TrainableParameters:N0}");
            }
        return CliApp.Ok;
    }

    /// <summary>One rank of one configuration (started by <see cref="Run"/>); rank 0 prints the result line.</summary>
    public static int RunRank(string[] args, CliContext context)
    {
        var result = DataParallelBenchmark.RunRank(new DataParallelBenchmarkOptions { Method = Option(args, "method") ?? "lora" });
        context.Stdout.WriteLine(ResultPrefix + JsonSerializer.Serialize(result));
        return CliApp.Ok;
    }

    private static DataParallelBenchmarkResult RunChild(IEnumerable<string> command, CliContext context)
    {
        var start = ThisProgram.StartInfo(command);
        foreach (var (name, value) in LaunchCommand.RootVariables()) start.Environment[name] = value;
        return ThisProgram.RunForResult<DataParallelBenchmarkResult>(start, ResultPrefix, string.Join(' ', command));
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, "--" + name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
