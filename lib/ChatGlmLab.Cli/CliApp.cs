using ChatGlmLab.Cli.Commands;
using ChatGlmLab.Datasets;

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

    private sealed record CommandInfo(string Name, string Summary, Func<string[], CliContext, int> Run, Func<ArgumentSpec?> Spec);

    private static readonly CommandInfo[] Commands =
    [
        new("train", "fine-tune (the toolkit's finetune.py --do_train [--do_eval] [--do_predict])", TrainCommand.Run, () => TrainCommand.Spec("train")),
        new("predict", "generate over a dataset and score it (finetune.py --do_predict --predict_with_generate)", PredictCommand.Run, () => TrainCommand.Spec("predict")),
        new("chat", "interactive multi-turn chat with streaming (infer.py / cli_demo)", ChatCommand.Run, ChatCommand.Spec),
        new("export", "merge checkpoints into a full Hugging Face-layout model (export_model.py)", ExportCommand.Run, ExportCommand.Spec),
        new("score", "re-score a generated_predictions.jsonl (BLEU-4, ROUGE, entity P/R/F1)", ScoreCommand.Run, ScoreCommand.Spec),
        new("data", "NER corpora: 'data convert' and 'data stats' (data <sub> --help)", DataCommand.Run, () => null),
        new("pretrain", "train a small ChatGLM-architecture base model from scratch on a text corpus", PretrainCommand.Run, PretrainCommand.Spec),
        new("compare", "the CPU comparison of fine-tuning methods [--profile reduced (or tiny, default, chatglm-6b)] [--output_dir] [--dataset_dir] [--model_name_or_path] [--max_steps] [--seed] [--device]", CompareCommand.Run, () => null),
        new("notebook", "run a notebook headless and write its outputs back ('notebook run FILE.ipynb'), or 'notebook fix-tool' for VS Code's kernel", NotebookCommand.Run, () => null),
        new("png", "snapshot a chart page to PNG with headless Chromium ('png REPORT.html OUT.png')", PngCommand.Run, () => null),
        new("bench", "the benchmarks: bench [model|train|tokenizer|data|cache|metrics|all] [--cluener FILE] [--tokenizer DIR]; bench realsize [--layers 28] [--device cpu|cuda] [--dir DIR] [--phases a,b] [--prompt 256] [--new_tokens 64] [--steps 2]: ChatGLM-6B at its real size; bench ddp [--methods lora,full]: 1 process × 2 threads against 2 MPI processes × 1 thread", BenchCommand.Run, () => null),
        new("launch", "data-parallel training over MPI, the toolkit's accelerate launch: launch --nproc N [--hostfile FILE] [--threads T] train ... (runs mpirun)", LaunchCommand.Run, () => null),
        new("memory", "ChatGLM-6B memory table (no arguments)", MemoryCommand.Run, () => null),
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
        // 'data' has subcommands and answers --help itself; no other command may start work on --help (compare runs for hours).
        if (rest is ["--help"] or ["-h"] && command.Name != "data")
        {
            stdout.WriteLine($"chatglm-lab {command.Name}: {command.Summary}");
            if (command.Spec() is { } spec) stdout.WriteLine($"arguments: {spec.ValidNamesText()}");
            return Ok;
        }
        try
        {
            return command.Run(rest, context);
        }
        catch (CliUsageException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return UsageError;
        }
        catch (Exception e) when (e is DataFormatException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
                                      or InvalidOperationException or ArgumentException or IOException or TimeoutException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return Failed;
        }
    }

    private static void PrintUsage(TextWriter output)
    {
        output.WriteLine("usage: chatglm-lab <command> [--name value ...]   (chatglm-lab <command> --help lists its arguments)");
        foreach (var c in Commands) output.WriteLine($"  {c.Name,-9} {c.Summary}");
    }
}
