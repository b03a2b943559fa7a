using ChatGlmLab.Benchmarks;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Tokenization;
using static TorchSharp.torch;

namespace ChatGlmLab.Cli.Commands;

/// <summary>
/// The kit's benchmarks (timings live here, never in tests): model forward / greedy decode, training
/// throughput per method and dtype, tokenizer encoding, 3-turn data expansion, metrics.
/// Usage: bench [model|train|tokenizer|data|cache|metrics|all] [--cluener FILE] [--tokenizer DIR]; default all;
/// bench realsize [...] is ChatGLM-6B at its real size (<see cref="RealSizeBenchCommand"/>); bench ddp is data-parallel
/// training over MPI (<see cref="DataParallelBenchCommand"/>).
/// </summary>
public static class BenchCommand
{
    private static readonly string[] Parts = ["model", "train", "tokenizer", "data", "cache", "metrics"];

    /// <summary>The named arguments; the benchmarks to run come first, without names.</summary>
    public static ArgumentSpec Spec() =>
        new ArgumentSpec("bench")
            .With("cluener", typeof(string), "a CLUENER file for the tokenizer, data and cache benchmarks", DefaultCluener)
            .With("tokenizer", typeof(string), "folder with the real ice_text.model (default: ../shared/fixtures/tokenizer when it exists)");

    private static readonly string DefaultCluener = Path.Combine("..", "shared", "data", "cluener2020", "dev.json");

    public static int Run(string[] args, CliContext context)
    {
        // The real-size benchmark has its own arguments and runs its phases in child processes.
        if (args.Length > 0 && args[0] == "realsize") return RealSizeBenchCommand.Run(args[1..], context);
        if (args.Length > 0 && args[0] == "realsize-phase") return RealSizeBenchCommand.RunPhase(args[1..], context);
        // Data parallelism: one process × 2 threads against 2 processes × 1 thread (mpirun), each a child process.
        if (args.Length > 0 && args[0] == "ddp") return DataParallelBenchCommand.Run(args[1..], context);
        if (args.Length > 0 && args[0] == "ddp-rank") return DataParallelBenchCommand.RunRank(args[1..], context);
        var selected = args.TakeWhile(a => !a.StartsWith("--")).ToList();
        foreach (var s in selected)
            if (s != "all" && !Parts.Contains(s)) throw new CliUsageException($"unknown benchmark '{s}'; valid: {string.Join(", ", Parts)}, all");
        bool All(string part) => selected.Count == 0 || selected.Contains("all") || selected.Contains(part);
        string? Option(string name) { int i = Array.IndexOf(args, "--" + name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
        var output = context.Stdout;
        output.WriteLine($"machine: {ChatGlmLab.Runtime.MachineDescription.Current()}");

        if (All("model"))
            foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
            {
                var r = ModelBenchmark.Run(new ModelBenchmarkOptions { DType = dtype });
                output.WriteLine($"model     {r.DType,-9} params {r.Parameters / 1e6:F1}M  forward {r.ForwardTokensPerSecond,8:F0} tok/s (prompt {r.PromptLength})  " +
                                 $"prefill {r.PrefillSeconds * 1000:F0} ms  greedy decode {r.DecodeTokensPerSecond,6:F1} tok/s ({r.NewTokens} new, KV cache)");
            }
        if (All("train"))
            foreach (var r in TrainingBenchmark.Run())
                output.WriteLine($"train     {r.Method,-5} {r.ComputeType,-9} batch {r.BatchSize}×{r.SequenceLength}  {r.TokensPerSecond,7:F0} tok/s  {r.SecondsPerStep:F2} s/step  " +
                                 $"peak RSS {r.PeakRssMb:F0} MB  trainable {r.TrainablePercent:F2}%");

        string cluener = Option("cluener") ?? DefaultCluener;
        string? tokenizerDir = Option("tokenizer") ?? (Directory.Exists(Path.Combine("..", "shared", "fixtures", "tokenizer")) ? Path.Combine("..", "shared", "fixtures", "tokenizer") : null);
        if (All("tokenizer"))
        {
            if (tokenizerDir == null || !File.Exists(cluener)) output.WriteLine("tokenizer skipped: give --tokenizer DIR (with ice_text.model) and --cluener FILE");
            else
            {
                var sentences = CluenerReader.Read(cluener).Items.Select(e => e.Text).ToList();
                output.WriteLine($"tokenizer {TokenizerBenchmark.Run(ChatGlmTokenizer.FromPretrained(tokenizerDir), sentences)}");
            }
        }
        if (All("data"))
        {
            if (!File.Exists(cluener)) output.WriteLine("data skipped: give --cluener FILE (CLUENER train.json or dev.json)");
            else output.WriteLine($"data      {DataBenchmark.Run(cluener)}");
        }
        if (All("cache"))
        {
            if (tokenizerDir == null || !File.Exists(cluener)) output.WriteLine("cache skipped: give --tokenizer DIR (with ice_text.model) and --cluener FILE");
            else output.WriteLine($"cache     {PreprocessingCacheBenchmark.Run(cluener, ChatGlmTokenizer.FromPretrained(tokenizerDir))}");
        }
        if (All("metrics"))
            output.WriteLine($"metrics   {MetricsBenchmark.Run()}");
        return CliApp.Ok;
    }
}
