using ChatGlmLab.Experiments;

namespace ChatGlmLab.Cli.Commands;

/// <summary>
/// The main job: the LoRA vs P-Tuning v2 vs Freeze vs full comparison (see <see cref="Comparison"/>),
/// printed in the seed's table layout and written as results.json, report.md and report.html.
/// Arguments: --profile tiny|reduced|default|chatglm-6b (<see cref="ExperimentProfile"/>, shared with the notebooks), --output_dir,
/// --dataset_dir, --model_name_or_path, --max_steps, --seed, --device; anything else is refused with the valid names.
/// </summary>
public static class CompareCommand
{
    public static ArgumentSpec Spec() =>
        new ArgumentSpec("compare")
            .With("profile", typeof(string), $"how big the comparison is: {string.Join(", ", ExperimentProfile.Names)}", ExperimentProfile.Default)
            .With("output_dir", typeof(string), "where results.json, report.md, report.html and the runs go", "runs/compare")
            .With("dataset_dir", typeof(string), "folder with dataset_info.json and the maintenance datasets", "data")
            .With("model_name_or_path", typeof(string), "the base model (default: the profile's; small ones are pretrained and cached)")
            .With("max_steps", typeof(int), "training steps per method (default: the profile's)")
            .With("seed", typeof(int), "seed of every run (default: the profile's; a new seed also pretrains a new small base model)")
            .With("device", typeof(string), "cpu or cuda (default: the profile's)");

    public static int Run(string[] args, CliContext context)
    {
        var given = Spec().Parse(args);
        string output = given.Get("output_dir")!;
        var options = ExperimentProfile.Options(given.Get("profile")!, output, given.Get("dataset_dir")!, given.Get("model_name_or_path"));
        if (given.GetInt("max_steps") is int steps) options = options with { Finetune = options.Finetune with { Steps = steps } };
        if (given.GetInt("seed") is int seed) options = options with { Seed = seed };   // a new seed also pretrains a new small base model
        if (given.Get("device") is string device) options = options with { Device = device };
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
