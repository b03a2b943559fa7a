using System.Text.Encodings.Web;
using System.Text.Json;
using ChatGlmLab.Datasets;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Datasets.Synthetic;
using ChatGlmLab.Evaluation;
using ChatGlmLab.Experiments;
using ChatGlmLab.Runtime;
using ChatGlmLab.Tasks.Ner;

namespace ChatGlmLab.Cli.Commands;

/// <summary>
/// NER corpora. <c>data convert</c>: a corpus in any supported format (CLUENER JSON lines, CoNLL
/// BIO/BIOES/BMES, the kit's NER JSON) → the kit's NER JSON, CLUENER JSON lines, the seed's 3-turn
/// instruction file and/or the single-pass file, registered in output_dir's dataset_info.json.
/// <c>data stats</c>: sentences, mentions per type, what the reader skipped, length percentiles.
/// </summary>
public static class DataCommand
{
    public static readonly string[] OutputKinds = ["ner_json", "cluener", "3turn", "single"];

    public static readonly CliApp.CommandHelp[] Subcommands =
    [
        new("convert", "a NER corpus (CLUENER, CoNLL BIO/BIOES/BMES, the kit's NER JSON) to the kit's NER JSON, CLUENER, 3-turn and single-pass instruction files, registered in dataset_info.json", ConvertSpec),
        new("stats", "sentences, mentions per type, skipped records and length percentiles of a NER corpus", StatsSpec),
    ];

    public static ArgumentSpec ConvertSpec() =>
        new ArgumentSpec("data convert")
            .With("input", typeof(string), "the NER corpus to convert (required)")
            .With("input_format", typeof(string), InputFormatHelp)
            .With("output_dir", typeof(string), "where the converted files and dataset_info.json go (required)")
            .With("name", typeof(string), "file name stem of the outputs (default: the input's file name up to its first dot)")
            .With("outputs", typeof(string), "comma list of outputs to write", string.Join(",", OutputKinds))
            .With("labels", typeof(string), "comma list of entity types for the instructions (default: the seed's or CLUENER's when the corpus fits, else its own)")
            .With("lenient", typeof(bool), LenientHelp, false)
            .With("overwrite_output_dir", typeof(bool), "replace outputs of the same name already in --output_dir", false);

    public static ArgumentSpec StatsSpec() =>
        new ArgumentSpec("data stats")
            .With("input", typeof(string), "the NER corpus (required)")
            .With("input_format", typeof(string), InputFormatHelp)
            .With("lenient", typeof(bool), LenientHelp, false)
            .With("output_file", typeof(string), "also write the statistics as JSON to this file (default: printed only)");

    private static readonly string InputFormatHelp =
        $"{string.Join(", ", NerCorpusFiles.Formats)} (default: recognised from the file; CoNLL files need their tag scheme)";
    private const string LenientHelp = "skip bad sentences (counted and reported) instead of stopping at the first";

    public static int Run(string[] args, CliContext context)
    {
        if (args.Length == 0 || args[0] is not ("convert" or "stats"))
            throw new CliUsageException("data needs a subcommand: 'data convert' or 'data stats'");
        var rest = args[1..];
        return args[0] == "convert" ? Convert(rest, context) : Stats(rest, context);
    }

    private static int Convert(string[] args, CliContext context)
    {
        var given = ConvertSpec().Parse(args);
        string input = given.Require("input", "the NER corpus to convert");
        string outputDir = given.Require("output_dir", "where the converted files and dataset_info.json go");
        string name = given.Get("name") ?? Path.GetFileNameWithoutExtension(input).Split('.')[0];
        // The name becomes file names in output_dir: a path here would write elsewhere ("../x", "/etc/x").
        if (name.Length == 0 || name is "." or ".." || name.IndexOfAny(['/', '\\', .. Path.GetInvalidFileNameChars()]) >= 0)
            throw new CliUsageException($"--name '{name}' must be a plain file name (no folder separators, not '.' or '..'): it names the files written in --output_dir");
        var outputs = given.Get("outputs")!
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        var unknown = outputs.Where(o => !OutputKinds.Contains(o)).ToList();
        if (outputs.Count == 0 || unknown.Count > 0)
            throw new CliUsageException($"--outputs {string.Join(",", unknown)}: valid outputs are {string.Join(", ", OutputKinds)} (comma separated)");

        var loaded = NerCorpusFiles.Read(input, given.Get("input_format"), given.GetBool("lenient"));
        var examples = loaded.Items;
        if (examples.Count == 0) throw new CliUsageException($"{input}: no sentences read");
        var labels = given.Get("labels") is { } list
            ? list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList()
            : LabelsFor(examples);
        var missing = examples.SelectMany(e => e.Entities).Select(e => e.Type).Distinct().Where(t => !labels.Contains(t)).ToList();
        if (missing.Count > 0)
            throw new CliUsageException($"--labels leaves out types of the corpus: {string.Join(", ", missing)}");

        var files = outputs.ToDictionary(o => o, o => $"{name}.{o switch { "ner_json" => "ner", _ => o }}.jsonl");
        // First the input check: --overwrite_output_dir must not replace the corpus being read (x.ner.jsonl in its own folder).
        foreach (var file in files.Values)
            if (OutputDirectory.RefusalToOverwriteInput(Path.Combine(outputDir, file), "the output file", input, "--input",
                    "choose another --output_dir or --name") is { } inputRefusal)
                throw new CliUsageException(inputRefusal);
        if (OutputDirectory.RefusalToWriteInto(outputDir, given.GetBool("overwrite_output_dir"), filesWritten: files.Values) is { } refusal)
            throw new CliUsageException(refusal);
        Directory.CreateDirectory(outputDir);

        var entries = new List<DatasetEntry>();
        foreach (var (kind, file) in files)
        {
            string path = Path.Combine(outputDir, file);
            switch (kind)
            {
                case "ner_json":
                    NerJson.Write(path, examples);
                    break;
                case "cluener":
                    WriteCluener(path, examples);
                    break;
                case "3turn":
                    var threeTurn = new NerInstructionBuilder(NerInstructionOptions.Article with { Labels = labels });
                    InstructionFileWriter.Write(path, threeTurn.BuildAll(examples).Select(r => r.Record));
                    entries.Add(Entry(outputDir, $"{name}_3turn", file, $"{name}: seed 3-turn NER records ({examples.Count} sentences, from {Path.GetFileName(input)})"));
                    break;
                case "single":
                    var single = new SinglePassBuilder(new SinglePassOptions { Labels = labels });
                    InstructionFileWriter.Write(path, single.BuildAll(examples).Select(r => r.Record));
                    entries.Add(Entry(outputDir, $"{name}_single", file, $"{name}: single-pass NER records ({examples.Count} sentences, from {Path.GetFileName(input)})"));
                    break;
            }
        }

        // Register the instruction files, keeping every other entry of an existing dataset_info.json.
        string registryPath = Path.Combine(outputDir, DatasetRegistry.FileName);
        if (entries.Count > 0)
        {
            var kept = File.Exists(registryPath) ? DatasetRegistry.Load(registryPath).Entries.ToList() : [];
            var names = entries.Select(e => e.Name).ToHashSet();
            var merged = kept.Select(e => names.Contains(e.Name) ? entries.First(n => n.Name == e.Name) : e)
                .Concat(entries.Where(e => kept.All(k => k.Name != e.Name)));
            DatasetRegistry.Write(registryPath, merged);
        }

        var output = context.Stdout;
        output.WriteLine($"read {examples.Count} sentences, {examples.Sum(e => e.Entities.Count)} mentions from {input}");
        if (loaded.Report.RecordsSkipped > 0 || loaded.Report.Notes.Count > 0) output.WriteLine(loaded.Report.Summary());
        output.WriteLine($"labels: {string.Join(",", labels)}");
        foreach (var file in files.Values) output.WriteLine($"wrote {Path.GetFullPath(Path.Combine(outputDir, file))}");
        if (entries.Count > 0)
            output.WriteLine($"registered {string.Join(", ", entries.Select(e => e.Name))} in {Path.GetFullPath(registryPath)} (use --dataset_dir {outputDir})");
        return CliApp.Ok;
    }

    /// <summary>The instruction label list: the seed's when the corpus uses only its types (so the records match the seed's exactly), CLUENER's likewise, else the corpus's types sorted.</summary>
    public static IReadOnlyList<string> LabelsFor(IReadOnlyList<NerExample> examples)
    {
        var types = examples.SelectMany(e => e.Entities).Select(e => e.Type).ToHashSet(StringComparer.Ordinal);
        if (types.IsSubsetOf(ArticleNerLabels.All)) return ArticleNerLabels.All;
        if (types.IsSubsetOf(CluenerLabels.All)) return CluenerLabels.All;
        return types.Order(StringComparer.Ordinal).ToList();
    }

    private static DatasetEntry Entry(string dir, string name, string file, string description) => new(name)
    {
        FileName = file,
        FileSha1 = MaintenanceCorpusGenerator.Sha1Hex(Path.Combine(dir, file)),
        Columns = new InstructionColumns("instruction", "input", "output", "history"),
        Description = description,
    };

    /// <summary>CLUENER JSON lines: {"text", "label": {type: {mention: [[start, end]]}}}, code point offsets, inclusive ends.</summary>
    public static void WriteCluener(string path, IEnumerable<NerExample> examples)
    {
        var options = new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using var writer = new StreamWriter(path) { NewLine = "\n" };
        foreach (var example in examples)
        {
            var label = new SortedDictionary<string, SortedDictionary<string, List<int[]>>>(StringComparer.Ordinal);
            foreach (var e in example.Entities)
            {
                if (!label.TryGetValue(e.Type, out var mentions)) label[e.Type] = mentions = new(StringComparer.Ordinal);
                if (!mentions.TryGetValue(e.Mention, out var spans)) mentions[e.Mention] = spans = [];
                int start = CodePointOffsets.ToCodePoints(example.Text, e.Start);
                int end = CodePointOffsets.ToCodePoints(example.Text, e.End) - 1;
                spans.Add([start, end]);
            }
            writer.WriteLine(JsonSerializer.Serialize(new { text = example.Text, label }, options));
        }
    }

    private static int Stats(string[] args, CliContext context)
    {
        var given = StatsSpec().Parse(args);
        string input = given.Require("input", "the NER corpus");
        var loaded = NerCorpusFiles.Read(input, given.Get("input_format"), given.GetBool("lenient"));
        var examples = loaded.Items;
        var corpus = CorpusStatistics.Of(examples);
        var perType = corpus.MentionsPerType;
        int overlapping = corpus.SentencesWithOverlappingEntities;
        var stats = new Dictionary<string, object>
        {
            ["file"] = Path.GetFullPath(input),
            ["sentences"] = examples.Count,
            ["sentences_without_entities"] = corpus.SentencesWithoutEntities,
            ["sentences_with_overlapping_entities"] = overlapping,
            ["mentions"] = corpus.Mentions,
            ["mentions_per_type"] = perType,
            ["records_read"] = loaded.Report.RecordsRead,
            ["records_skipped"] = loaded.Report.RecordsSkipped,
            ["skip_reasons"] = loaded.Report.SkipReasonCounts(),
            ["notes"] = loaded.Report.Notes,
            ["text_length_chars"] = corpus.TextLength,
            ["mention_length_chars"] = corpus.MentionLength,
        };

        var output = context.Stdout;
        output.WriteLine($"{input}: {examples.Count} sentences ({stats["sentences_without_entities"]} without entities, {overlapping} with overlapping entities), {corpus.Mentions} mentions");
        output.WriteLine($"read {loaded.Report.RecordsRead} records, skipped {loaded.Report.RecordsSkipped}");
        foreach (var (reason, count) in loaded.Report.SkipReasonCounts()) output.WriteLine($"  skipped {count}: {reason}");
        foreach (var (note, count) in loaded.Report.Notes) output.WriteLine($"  note {count}: {note}");
        output.WriteLine("mentions per type:");
        foreach (var (type, count) in perType) output.WriteLine($"  {type,-16} {count}");
        output.WriteLine("text length (characters): " + string.Join(", ", corpus.TextLength.Select(kv => $"{kv.Key} {kv.Value}")));
        output.WriteLine("mention length (characters): " + string.Join(", ", corpus.MentionLength.Select(kv => $"{kv.Key} {kv.Value}")));
        if (given.Get("output_file") is { } outputFile)
        {
            File.WriteAllText(outputFile, JsonSerializer.Serialize(stats, PredictionScoring.JsonOptions) + "\n");
            output.WriteLine($"stats: {Path.GetFullPath(outputFile)}");
        }
        else output.WriteLine("stats: printed only (add --output_file FILE to save them as JSON)");
        return CliApp.Ok;
    }
}
