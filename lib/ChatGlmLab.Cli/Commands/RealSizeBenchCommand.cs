using System.Diagnostics;
using System.Text.Json;
using ChatGlmLab.Benchmarks;
using ChatGlmLab.Modeling;
using ChatGlmLab.Runtime;

namespace ChatGlmLab.Cli.Commands;

/// <summary>
/// <c>bench realsize</c>: ChatGLM-6B at its real size on this machine. Writes (once) a checkpoint with chatglm-6b's exact
/// layout and seeded random weights, measures the machine's limits, then runs each phase (<see cref="RealSizePhase.All"/>)
/// in a fresh child process (<c>bench realsize-phase</c>) so each peak RSS is that phase's own, and prints every figure
/// beside its limit. The results also go to DIR/realsize-results.json.
/// </summary>
public static class RealSizeBenchCommand
{
    private static readonly RealSizeOptions Defaults = new() { CheckpointDir = "" };

    public static ArgumentSpec Spec() =>
        new ArgumentSpec("bench realsize")
            .With("layers", typeof(int), "transformer layers of the checkpoint (chatglm-6b has 28)", 28)
            .With("device", typeof(string), "cpu or cuda", Defaults.Device)
            .With("dir", typeof(string), "where the real-size checkpoint and realsize-results.json go (default runs/realsize-LAYERS)")
            .With("tokenizer", typeof(string), "folder with the real chatglm-6b tokenizer files (ice_text.model)", Path.Combine("..", "shared", "fixtures", "tokenizer"))
            .With("phases", typeof(string), $"comma list of phases to run (default all: {string.Join(",", RealSizePhase.All.Select(p => p.Name))})")
            .With("prompt", typeof(int), "prompt tokens for prefill", Defaults.PromptLength)
            .With("new_tokens", typeof(int), "tokens decoded after the prompt", Defaults.NewTokens)
            .With("steps", typeof(int), "training steps timed per training phase", Defaults.TrainingSteps);

    private const string ResultPrefix = "REALSIZE_RESULT ";

    public static int Run(string[] args, CliContext context)
    {
        var given = Spec().Parse(args);
        int layers = given.GetInt("layers")!.Value;
        string dir = Path.GetFullPath(given.Get("dir") ?? Path.Combine("runs", $"realsize-{layers}"));
        string tokenizer = given.Get("tokenizer")!;
        var phases = given.Get("phases") is { } names
            ? names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Phase).ToList()
            : RealSizePhase.All.ToList();
        var options = Options(given, dir);
        given.Checked("device", () => ComputeDevice.Parse(options.Device));   // before a 13 GB checkpoint is written for it
        var output = context.Stdout;
        output.WriteLine($"machine: {MachineDescription.Current()}");

        RealSizeCheckpoint.Ensure(dir, layers, tokenizer, log: output.WriteLine);
        var config = ChatGlmConfig.FromPretrained(dir);
        var limits = MachineLimits.Measure();
        output.WriteLine($"limits: memory copy {limits.CopyGBPerSecond:F1} GB/s (bytes copied per second), matmul fp32 {limits.Float32GFlops:F0} GFLOP/s, bf16 {limits.BFloat16GFlops:F0} GFLOP/s");
        output.WriteLine($"checkpoint: {dir} ({layers} layers, {ModelSize.Of(config).Parameters / 1e9:F2} B parameters)");
        output.WriteLine();
        output.WriteLine("| phase | load s | peak RSS load GB | RSS after load GB | prefill tok/s (floor) | decode ms/token (floor) | s/step (floor) | examples/s | peak RSS GB |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        var results = new List<RealSizeResult>();
        foreach (var phase in phases)
        {
            RealSizeResult result;
            try { result = RunChild(phase, options, context); }
            catch (InvalidOperationException e)
            {
                // One phase failing (e.g. killed for memory) is a result too: say so in its row and go on with the others.
                output.WriteLine($"| {phase.Name} | failed: {e.Message.ReplaceLineEndings(" ")} |");
                continue;
            }
            results.Add(result);
            var floor = RealSizeBenchmark.Floor(phase, config, options, limits);
            const double gb = 1e9;
            string prefill = phase.IsTraining ? "" : $"{result.PrefillTokensPerSecond:F1} ({options.PromptLength / floor.Prefill:F0})";
            string decode = phase.IsTraining ? "" : $"{result.DecodeSecondsPerToken * 1000:F0} ({floor.Decode * 1000:F0})";
            string step = phase.IsTraining ? $"{result.SecondsPerStep:F1} ({floor.Step:F1})" : "";
            string examples = phase.IsTraining ? $"{result.ExamplesPerSecond:F3}" : "";
            output.WriteLine($"| {phase.Name} | {result.LoadSeconds:F0} | {result.PeakRssDuringLoad / gb:F1} | {result.RssAfterLoad / gb:F1} | {prefill} | {decode} | {step} | {examples} | {result.PeakRss / gb:F1} |");
        }
        File.WriteAllText(Path.Combine(dir, "realsize-results.json"),
            JsonSerializer.Serialize(new { machine = MachineDescription.Current(), limits, results }, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return CliApp.Ok;
    }

    /// <summary><c>bench realsize-phase --phase NAME --dir DIR ...</c>: one phase in this process; prints its result as one JSON line.</summary>
    public static int RunPhase(string[] args, CliContext context)
    {
        var given = Spec().With("phase", typeof(string), "the one phase this child process runs").Parse(args);
        string dir = given.Require("dir", "the real-size checkpoint directory");
        var result = RealSizeBenchmark.Run(Phase(given.Require("phase", "a phase name")), Options(given, dir));
        context.Stdout.WriteLine(ResultPrefix + JsonSerializer.Serialize(result));
        return CliApp.Ok;
    }

    private static RealSizeOptions Options(ParsedArguments given, string dir)
    {
        var defaults = new RealSizeOptions { CheckpointDir = dir };
        return defaults with
        {
            Device = given.Get("device") ?? defaults.Device,
            PromptLength = given.GetInt("prompt") ?? defaults.PromptLength,
            NewTokens = given.GetInt("new_tokens") ?? defaults.NewTokens,
            TrainingSteps = given.GetInt("steps") ?? defaults.TrainingSteps,
        };
    }

    private static RealSizePhase Phase(string name)
    {
        try { return RealSizePhase.Named(name); }
        catch (ArgumentException e) { throw new CliUsageException("--phases: " + e.Message); }
    }

    /// <summary>Runs one phase in a fresh process of this program and reads back its result line.</summary>
    private static RealSizeResult RunChild(RealSizePhase phase, RealSizeOptions options, CliContext context)
    {
        var start = ThisProgram.StartInfo(ThisProgram.CommandLine().Concat(["bench", "realsize-phase", "--phase", phase.Name, "--dir", options.CheckpointDir,
            "--device", options.Device, "--prompt", $"{options.PromptLength}", "--new_tokens", $"{options.NewTokens}", "--steps", $"{options.TrainingSteps}"]));
        return ThisProgram.RunForResult<RealSizeResult>(start, ResultPrefix, $"phase {phase.Name}");
    }
}
