using ChatGlmLab.Experiments;

namespace ChatGlmLab.Cli.Commands;

/// <summary>
/// The main job: the LoRA vs P-Tuning v2 vs Freeze vs full comparison (see <see cref="Comparison"/>),
/// printed in the seed's table layout and written as results.json, report.md and report.html.
/// Arguments: --profile tiny|reduced|default|chatglm-6b (<see cref="ExperimentProfile"/>, shared with the notebooks), --output_dir,
/// --dataset_dir, --model_name_or_path, --max_steps.
/// </summary>
public static class CompareCommand
{
    public static int Run(string[] args, CliContext context)
    {
        string? Option(string name) { int i = Array.IndexOf(args, "--" + name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
        string output = Option("output_dir") ?? "runs/compare";
        var options = ExperimentProfile.Options(Option("profile") ?? ExperimentProfile.Default, output, Option("dataset_dir") ?? "data", Option("model_name_or_path"));
        if (Option("max_steps") is string s) options = options with { FinetuneSteps = int.Parse(s) };
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
