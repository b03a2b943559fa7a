using ChatGlmLab.Experiments;

namespace ChatGlmLab.Cli.Commands;

/// <summary>
/// The main job: the LoRA vs P-Tuning v2 vs Freeze vs full comparison (see <see cref="Comparison"/>),
/// printed in the seed's table layout and written as results.json, report.md and report.html.
/// Arguments: --profile tiny|reduced|default|chatglm-6b|cluener (<see cref="ExperimentProfile"/>, shared with the notebooks), --output_dir,
/// --dataset_dir, --cluener_dir (the cluener profile's data), --model_name_or_path, --max_steps, --seed or --seeds (a run per
/// seed and their mean ± sd, <see cref="SeedSpread"/>), --device, --tagger_epochs and --tagger_max_seconds (the reference tagger's budget; 0 epochs leaves it out); anything else is refused with the valid names.
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
            .With("seed", typeof(int), "seed of the fine-tuning runs and the tagger (default: the profile's; the small base model keeps its own)")
            .With("seeds", typeof(string), "several seeds, comma-separated (e.g. 42,43,44): the comparison once per seed in output_dir/seed-N, and their mean ± sd in spread.md")
            .With("device", typeof(string), "cpu or cuda (default: the profile's)")
            .With("bf16", typeof(bool), "true: fine-tune in bf16 (fp32 master weights) and evaluate in bf16; false: float32 (default: bf16 where the device computes it in hardware, CUDA or a CPU with AVX512-BF16/AMX, else float32)")
            .With("cluener_dir", typeof(string), "the cluener profile's data: a folder with CLUENER2020's train.json and dev.json")
            .With("tagger_epochs", typeof(int), "passes of the reference tagger (BiLSTM-CRF) over the train sentences; 0 leaves it out (default: the profile's)")
            .With("tagger_max_seconds", typeof(double), "a time cap on the tagger's training, off by default so results do not depend on the machine's load");

    public static int Run(string[] args, CliContext context)
    {
        var given = Spec().Parse(args);
        string output = given.Get("output_dir")!;
        CompareOptions options;
        try
        {
            options = ExperimentProfile.Options(given.Get("profile")!, output, given.Get("dataset_dir")!, given.Get("model_name_or_path"),
                cluenerDir: given.Get("cluener_dir"));
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message);   // a profile without its data is a usage error
        }
        bool cluener = options.CorpusFormat == Datasets.Ner.NerCorpusFormat.Cluener;   // its profile checks its own files (cluener_dir)
        if (given.Get("cluener_dir") is not null && !cluener)
            throw new CliUsageException($"--cluener_dir is the cluener profile's data, but --profile is {given.Get("profile")}; add --profile cluener to run on CLUENER2020, or leave --cluener_dir out");
        if (options.ModelNameOrPath is string model) ModelSetup.CheckModelArguments(new ChatGlmLab.ModelArguments { ModelNameOrPath = model });
        // Each value goes through its options record's own check (ParsedArguments.Checked): refused here, before the data is read.
        if (given.GetInt("max_steps") is int steps) options = given.Checked("max_steps", () => options with { Finetune = options.Finetune with { Steps = steps } });
        if (given.GetInt("seed") is int seed) options = options with { Seed = seed };
        var seeds = Seeds(given);
        if (given.Get("device") is string device) options = options with { Device = device };
        given.Checked("device", options.TorchDevice);
        if (given.GetBoolOrNull("bf16") is bool bf16) options = options with { Finetune = options.Finetune with { Bf16 = bf16 } };
        if (given.GetInt("tagger_epochs") is int epochs) options = given.Checked("tagger_epochs", () => options with { Tagger = options.Tagger with { Epochs = epochs } });
        if (given.GetDouble("tagger_max_seconds") is double seconds) options = given.Checked("tagger_max_seconds", () => options with { Tagger = options.Tagger with { MaxSeconds = seconds } });
        foreach (var file in cluener ? [] : new[] { options.TrainFile, options.DevFile })
            if (!File.Exists(Path.Combine(options.DataDir, file)))
                throw new CliUsageException($"--dataset_dir {given.Get("dataset_dir")} ({Path.GetFullPath(options.DataDir)}): no {file} there; " +
                    "run from the repository's root (the default is its data folder) or give --dataset_dir the folder that holds the corpus");
        Action<string> log = line => context.Stdout.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
        if (seeds != null)
        {
            var spread = SeedSpread.Run(options, seeds, log);
            foreach (var dir in spread.Runs)   // each seed's charts beside its report, as a single run has them
                ChatGlmLab.Charts.ComparisonCharts.WriteReport(ComparisonReport.Read(Path.Combine(dir, "results.json")), dir);
            context.Stdout.WriteLine();
            context.Stdout.Write(SeedSpread.Markdown(spread));
            context.Stdout.WriteLine();
            context.Stdout.WriteLine($"spread: {Path.GetFullPath(Path.Combine(output, SeedSpread.ReportFile))} (each seed's report in {Path.GetFullPath(output)}/seed-N)");
            return CliApp.Ok;
        }
        var result = Comparison.Run(options, log);
        context.Stdout.WriteLine();
        context.Stdout.Write(ComparisonReport.PlainTable(result));
        context.Stdout.WriteLine();
        context.Stdout.WriteLine($"results: {Path.GetFullPath(Path.Combine(output, "results.json"))}");
        context.Stdout.WriteLine($"report:  {Path.GetFullPath(Path.Combine(output, "report.md"))}");
        context.Stdout.WriteLine($"charts:  {Path.GetFullPath(ChatGlmLab.Charts.ComparisonCharts.WriteReport(result, output))}");
        return CliApp.Ok;
    }

    /// <summary>--seeds as a list (null when not given); a seed that is not an integer, seeds <see cref="SeedSpread"/> refuses or --seed beside it are usage errors.</summary>
    private static IReadOnlyList<int>? Seeds(ParsedArguments given)
    {
        if (given.Get("seeds") is not string list) return null;
        if (given.IsGiven("seed")) throw new CliUsageException("give either --seed (one run) or --seeds (a run per seed), not both");
        var seeds = new List<int>();
        foreach (var item in list.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(item, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int seed))
                throw new CliUsageException($"--seeds {list}: '{item}' is not an integer; give seeds separated by commas, e.g. 42,43,44");
            seeds.Add(seed);
        }
        if (SeedSpread.Problem(seeds) is string problem) throw new CliUsageException($"--seeds {list}: {problem}");
        return seeds;
    }
}
