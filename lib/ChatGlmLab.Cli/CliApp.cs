using ChatGlmLab.Cli.Commands;

namespace ChatGlmLab.Cli;

/// <summary>Where a command reads and writes (the console, or strings in tests).</summary>
public sealed record CliContext(TextReader Stdin, TextWriter Stdout, TextWriter Stderr);

/// <summary>
/// The chatglm-lab command line, callable in-process: <c>CliApp.Run(args, stdin, stdout, stderr)</c>
/// returns the exit code (0 ok, 1 failure while running, 2 bad command line).
/// </summary>
public static class CliApp
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int UsageError = 2;

    /// <summary>A command or subcommand: what it does, its arguments (null: none, or positional only) and its subcommands.</summary>
    public sealed record CommandHelp(string Name, string Summary, Func<ArgumentSpec?> Spec, IReadOnlyList<CommandHelp>? Subcommands = null);

    private sealed record CommandInfo(CommandHelp Help, Func<string[], CliContext, int> Run)
    {
        public string Name => Help.Name;
    }

    private static readonly CommandInfo[] Commands =
    [
        new(new("train", "fine-tune (the toolkit's finetune.py --do_train [--do_eval] [--do_predict])", () => TrainCommand.Spec("train")), TrainCommand.Run),
        new(new("predict", "generate over a dataset and score it (finetune.py --do_predict --predict_with_generate)", () => TrainCommand.Spec("predict")), PredictCommand.Run),
        new(new("chat", "interactive multi-turn chat with streaming (infer.py / cli_demo)", ChatCommand.Spec), ChatCommand.Run),
        new(new("export", "merge checkpoints into a full Hugging Face-layout model (export_model.py)", ExportCommand.Spec), ExportCommand.Run),
        new(new("score", "re-score a generated_predictions.jsonl (BLEU-4, ROUGE, entity P/R/F1)", ScoreCommand.Spec), ScoreCommand.Run),
        new(new("data", "NER corpora: convert them to the kit's files, or count what is in them", () => null, DataCommand.Subcommands), DataCommand.Run),
        new(new("pretrain", "train a small ChatGLM-architecture base model from scratch on a text corpus", PretrainCommand.Spec), PretrainCommand.Run),
        new(new("compare", "the CPU comparison of fine-tuning methods (LoRA, P-Tuning v2, Freeze, full; quantized rows)", CompareCommand.Spec), CompareCommand.Run),
        new(new("notebook", "run a notebook headless, or fix VS Code's dotnet-interactive tool", () => null, NotebookCommand.Subcommands), NotebookCommand.Run),
        new(new("png", "snapshot a chart page to PNG with headless Chromium: png REPORT.html OUT.png", PngCommand.Spec), PngCommand.Run),
        new(new("bench", "the benchmarks: bench [model|train|tokenizer|data|cache|metrics|all] (default all); 'bench realsize': ChatGLM-6B at its real size; 'bench ddp': data parallelism",
            BenchCommand.Spec, [
                new("realsize", "ChatGLM-6B's layout at its real size: load, prefill, decode and training steps per phase, each beside this machine's limit", RealSizeBenchCommand.Spec),
                new("ddp", "training tokens/s of the mid-size model, 1 process × 2 threads against 2 MPI processes × 1 thread, and the share of time in communication", DataParallelBenchCommand.Spec)]),
            BenchCommand.Run),
        new(new("launch", "data-parallel training over MPI, the toolkit's accelerate launch: " + LaunchCommand.Usage + " (runs mpirun)", LaunchCommand.Spec), LaunchCommand.Run),
        new(new("memory", "ChatGLM-6B memory table (no arguments)", () => null), MemoryCommand.Run),
    ];

    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var context = new CliContext(stdin, stdout, stderr);
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            PrintUsage(stdout);
            return args.Length == 0 ? UsageError : Ok;
        }
        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command == null)
        {
            stderr.WriteLine($"error: unknown command '{args[0]}'; valid commands: {string.Join(", ", Commands.Select(c => c.Name))}");
            return UsageError;
        }
        string[] rest = args[1..];
        try
        {
            // --help anywhere answers before any work starts (compare runs for hours): the subcommand's when one is named.
            if (rest.Any(a => a is "--help" or "-h"))
            {
                var help = command.Help;
                if (rest.Length > 0 && help.Subcommands?.FirstOrDefault(s => s.Name == rest[0]) is { } sub) PrintHelp(stdout, $"{help.Name} {sub.Name}", sub);
                else PrintHelp(stdout, help.Name, help);
                return Ok;
            }
            return command.Run(rest, context);
        }
        catch (Exception e)
        {
            // The boundary: every failure is one line and exit 1 or 2, never a stack trace (unless asked for one).
            var (code, line) = FailureLine.For(e, rest);
            stderr.WriteLine(line);
            if (Environment.GetEnvironmentVariable(FailureLine.TraceVariable) == "1") stderr.WriteLine(e);
            return code;
        }
    }

    /// <summary>A (sub)command's --help: what it does, its subcommands, each argument with its description and default.</summary>
    private static void PrintHelp(TextWriter output, string fullName, CommandHelp help)
    {
        output.WriteLine($"chatglm-lab {fullName}: {help.Summary}");
        if (help.Subcommands is { Count: > 0 } subs)
        {
            output.WriteLine("subcommands:");
            int width = subs.Max(s => s.Name.Length) + 2;
            foreach (var s in subs) output.WriteLine($"  {s.Name.PadRight(width)}{s.Summary}");
            output.WriteLine($"(chatglm-lab {fullName} <subcommand> --help lists its arguments)");
        }
        if (help.Spec() is { } spec)
        {
            output.WriteLine("arguments:");
            foreach (var line in spec.HelpLines()) output.WriteLine(line);
        }
        else if (help.Subcommands is not { Count: > 0 }) output.WriteLine("arguments: none");
    }

    private static void PrintUsage(TextWriter output)
    {
        output.WriteLine("usage: chatglm-lab <command> [--name value ...]   (chatglm-lab <command> --help lists its arguments)");
        foreach (var c in Commands) output.WriteLine($"  {c.Name,-9} {c.Help.Summary}");
    }
}
