using ChatGlmLab.Experiments;

namespace ChatGlmLab.Cli.Commands;

/// <summary>
/// The main job: the LoRA vs P-Tuning v2 vs Freeze vs full comparison (see <see cref="Comparison"/>),
/// printed in the seed's table layout and written as results.json, report.md and report.html.
/// Arguments: --profile reduced, --output_dir, --dataset_dir, --model_name_or_path, --max_steps.
/// </summary>
public static class CompareCommand
{
    public static int Run(string[] args, CliContext context)
    {
        string? Option(string name) { int i = Array.IndexOf(args, "--" + name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
        string output = Option("output_dir") ?? "runs/compare";
        var options = Option("profile") == "reduced" ? CompareOptions.Reduced(output) : new CompareOptions { OutputDir = output };
        options = options with
        {
            DataDir = Option("dataset_dir") ?? options.DataDir,
            ModelNameOrPath = Option("model_name_or_path"),
            FinetuneSteps = Option("max_steps") is string s ? int.Parse(s) : options.FinetuneSteps,
        };
        var result = Comparison.Run(options, line => context.Stdout.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}"));
        context.Stdout.WriteLine();
        context.Stdout.Write(ComparisonReport.PlainTable(result));
        context.Stdout.WriteLine();
        context.Stdout.WriteLine($"results: {Path.GetFullPath(Path.Combine(output, "results.json"))}");
        context.Stdout.WriteLine($"report:  {Path.GetFullPath(Path.Combine(output, "report.md"))}");
        context.Stdout.WriteLine($"charts:  {Path.GetFullPath(ChatGlmLab.Charts.ComparisonCharts.WriteReport(result, output))}");
        return CliApp.Ok;
    }
}
