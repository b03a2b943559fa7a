using System.Text.Json;
using ChatGlmLab.Cli;
using ChatGlmLab.Datasets.Synthetic;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Cli;

/// <summary>
/// Inputs at the edges, through the real command line in-process: outputs that cannot be written (a folder given as a
/// file, a path under a file), files that are not what they should be (a notebook that is not JSON, an empty corpus, a
/// folder for a file), a chat input longer than max_length, dataset_info.json columns naming missing fields, a changed
/// dataset file. Each ends in ONE line naming the argument or file and what to do, exit 1 or 2, never a stack trace.
/// </summary>
public sealed class CliEdgeCaseTests(TinyCliModelFixture fixture) : IClassFixture<TinyCliModelFixture>, IDisposable
{
    private readonly TempFiles _tmp = new();
    public void Dispose() => _tmp.Dispose();

    private static readonly string NerFile = Path.Combine(Paths.RepoRoot, "data", "maintenance", "dev.ner.jsonl");
    private static readonly string DataDir = Path.Combine(Paths.RepoRoot, "data");

    /// <summary>Exit 1 or 2 as asked, one line on stderr that holds every part, no stack trace.</summary>
    private static void AssertOneLine(CliRun run, int exitCode, params string[] parts)
    {
        Assert.True(run.ExitCode == exitCode, run.ToString());
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, run.ToString());
        Assert.StartsWith("error: ", lines[0]);
        Assert.DoesNotContain("   at ", run.Stderr);
        foreach (var part in parts) Assert.Contains(part, lines[0]);
    }

    private (string Folder, string File) FolderAndFile()
    {
        string folder = Directory.CreateDirectory(_tmp.PathOf("a-folder")).FullName;
        return (folder, _tmp.Write("a-file", "x"));
    }

    private string Predictions() => _tmp.Write("generated_predictions.jsonl", "{\"label\": \"a\", \"predict\": \"a\"}\n");

    [Fact]
    public void An_output_file_that_is_a_folder_is_named_as_such_by_every_command()
    {
        var (folder, _) = FolderAndFile();
        AssertOneLine(TinyCliModelFixture.Run("data", "stats", "--input", NerFile, "--output_file", folder), 1,
            $"--output_file {folder}", "is a folder, not a file", "give a file path");
        AssertOneLine(TinyCliModelFixture.Run("score", "--predictions_file", Predictions(), "--output_file", folder), 1,
            $"--output_file {folder}", "is a folder, not a file");
    }

    [Fact]
    public void An_output_path_under_a_regular_file_is_named_as_such_by_every_command()
    {
        var (_, file) = FolderAndFile();
        string under = Path.Combine(file, "out.json");
        AssertOneLine(TinyCliModelFixture.Run("data", "stats", "--input", NerFile, "--output_file", under), 1,
            $"--output_file {under}", $"is under {file}, which is a file, not a folder");
        AssertOneLine(TinyCliModelFixture.Run("score", "--predictions_file", Predictions(), "--output_file", under), 1,
            $"--output_file {under}", "which is a file, not a folder");
        string missingFolder = Path.Combine(_tmp.Dir, "no-such-folder", "scores.json");
        AssertOneLine(TinyCliModelFixture.Run("score", "--predictions_file", Predictions(), "--output_file", missingFolder), 1,
            $"--output_file {missingFolder}", "its folder does not exist");
    }

    [Fact]
    public void An_output_dir_that_is_a_file_or_under_one_is_refused_before_anything_is_written()
    {
        var (_, file) = FolderAndFile();
        AssertOneLine(TinyCliModelFixture.Run("data", "convert", "--input", NerFile, "--output_dir", file), 2,
            $"--output_dir {file} is a file, not a folder");
        string under = Path.Combine(file, "sub");
        AssertOneLine(TinyCliModelFixture.Run("data", "convert", "--input", NerFile, "--output_dir", under, "--overwrite_output_dir"), 2,
            $"--output_dir {under} is under {file}, which is a file");
        AssertOneLine(TinyCliModelFixture.Run("export", "--model_name_or_path", fixture.ModelDir, "--output_dir", file), 2,
            $"--output_dir {file} is a file, not a folder");
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void A_folder_or_a_missing_file_where_a_file_is_read_is_named_with_its_argument()
    {
        var (folder, _) = FolderAndFile();
        AssertOneLine(TinyCliModelFixture.Run("data", "stats", "--input", folder), 2, $"--input {folder} is a folder, not a file");
        AssertOneLine(TinyCliModelFixture.Run("score", "--predictions_file", folder), 2, $"--predictions_file {folder} is a folder, not a file");
        AssertOneLine(TinyCliModelFixture.Run("notebook", "run", folder), 2, "is a folder, not a file");
        string missing = _tmp.PathOf("missing.jsonl");
        AssertOneLine(TinyCliModelFixture.Run("pretrain", "--corpus", missing, "--output_dir", _tmp.PathOf("never")), 2, $"--corpus {missing}: file not found");
    }

    [Fact]
    public void A_file_where_a_folder_is_read_is_named_with_its_argument()
    {
        var (_, file) = FolderAndFile();
        AssertOneLine(TinyCliModelFixture.Run("chat", "--model_name_or_path", file), 2, $"--model_name_or_path {file} is a file; give the model's folder");
        AssertOneLine(TinyCliModelFixture.Run("chat", "--model_name_or_path", fixture.ModelDir, "--checkpoint_dir", file), 2, $"--checkpoint_dir {file} is a file");
        AssertOneLine(TinyCliModelFixture.Run("notebook", "fix-tool", "--tool_dir", file), 2, $"--tool_dir {file}: is a file");
    }

    [Fact]
    public void A_notebook_that_is_not_json_names_the_file_and_says_what_it_should_be()
    {
        string notebook = _tmp.Write("broken.ipynb", "this is not JSON\n");
        AssertOneLine(TinyCliModelFixture.Run("notebook", "run", notebook), 1, notebook, "not a Jupyter notebook", "not valid JSON: line 1");
        string array = _tmp.Write("array.ipynb", "[1, 2]\n");
        AssertOneLine(TinyCliModelFixture.Run("notebook", "run", array), 1, array, "not a JSON object");
    }

    [Fact]
    public void An_empty_corpus_says_it_is_empty_rather_than_that_its_format_is_unknown()
    {
        string empty = _tmp.Write("empty.txt", "\n  \n");
        AssertOneLine(TinyCliModelFixture.Run("data", "stats", "--input", empty), 2, $"{empty} is empty");
        AssertOneLine(TinyCliModelFixture.Run("data", "convert", "--input", empty, "--output_dir", _tmp.PathOf("out")), 2, "is empty");
    }

    [Theory]
    [InlineData("5")]
    [InlineData("1")]
    public void A_chat_input_at_or_over_max_length_says_so_and_the_session_goes_on(string maxLength)
    {
        var run = TinyCliModelFixture.RunWithInput("拧紧螺栓并标记导管的位置\nhistory\nexit\n",
            "chat", "--model_name_or_path", fixture.ModelDir, "--max_length", maxLength, "--do_sample", "false");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"which leaves no room under --max_length {maxLength}: nothing can be generated; raise --max_length above", run.Stderr);
        Assert.Contains("or type 'clear' to drop the history", run.Stderr);
        Assert.Contains("History: 0 turns", run.Stdout);   // the refused turn is not in the history
    }

    [Fact]
    public void Predicting_with_max_length_below_the_prompts_says_so_instead_of_empty_answers()
    {
        var run = TinyCliModelFixture.Run("predict", "--model_name_or_path", fixture.ModelDir, "--dataset", "maintenance_3turn_dev",
            "--dataset_dir", DataDir, "--cache_dir", fixture.CacheDir, "--output_dir", _tmp.PathOf("predict"), "--max_eval_samples", "1", "--max_length", "1");
        AssertOneLine(run, 1, "leaves no room under --max_length 1: nothing can be generated; raise --max_length above");
    }

    /// <summary>A dataset folder whose dataset_info.json registers the maintenance dev file with the given entry fields.</summary>
    private string DatasetDir(string entryFields)
    {
        string dir = Directory.CreateDirectory(_tmp.PathOf("datasets")).FullName;
        File.Copy(Path.Combine(DataDir, "maintenance", "dev.3turn.jsonl"), Path.Combine(dir, "dev.3turn.jsonl"));
        File.WriteAllText(Path.Combine(dir, "dataset_info.json"), $"{{\"dev\": {{\"file_name\": \"dev.3turn.jsonl\", {entryFields}}}}}");
        return dir;
    }

    private CliRun Predict(string datasetDir) => TinyCliModelFixture.Run("predict", "--model_name_or_path", fixture.ModelDir,
        "--dataset", "dev", "--dataset_dir", datasetDir, "--output_dir", _tmp.PathOf("predict"), "--cache_dir", fixture.CacheDir);

    [Theory]
    [InlineData("prompt", "question")]
    [InlineData("response", "answer")]
    public void A_dataset_info_column_that_names_a_missing_field_is_one_line_naming_the_column_and_the_file(string role, string field)
    {
        string columns = role == "prompt"
            ? $"\"columns\": {{\"prompt\": \"{field}\", \"query\": \"input\", \"response\": \"output\", \"history\": \"history\"}}"
            : $"\"columns\": {{\"prompt\": \"instruction\", \"query\": \"input\", \"response\": \"{field}\", \"history\": \"history\"}}";
        string dir = DatasetDir(columns);
        AssertOneLine(Predict(dir), 1, Path.Combine(dir, "dev.3turn.jsonl"), $"missing required column '{field}'",
            $"\"columns\": {{\"{role}\": \"{field}\"}} in dataset_info.json", "the file has: history, input, instruction, output");
    }

    [Fact]
    public void An_empty_dataset_file_or_one_whose_records_are_all_skipped_is_one_line_naming_it()
    {
        string dir = DatasetDir("\"columns\": {\"prompt\": \"instruction\", \"query\": \"input\", \"response\": \"history\", \"history\": \"\"}");
        // "history" holds [] in these records: every record has an empty response, which the toolkit skips.
        File.WriteAllText(Path.Combine(dir, "dev.3turn.jsonl"), "{\"instruction\": \"a\", \"input\": \"\", \"output\": \"b\", \"history\": \"\"}\n");
        AssertOneLine(Predict(dir), 2, $"{Path.Combine(dir, "dev.3turn.jsonl")}: none of its 1 records was kept (empty instruction or output");
        File.WriteAllText(Path.Combine(dir, "dev.3turn.jsonl"), "");
        AssertOneLine(Predict(dir), 2, $"{Path.Combine(dir, "dev.3turn.jsonl")} holds no records (an empty file?)");
    }

    [Fact]
    public void A_changed_dataset_file_says_how_to_accept_it_without_naming_a_mode_train_lacks()
    {
        string dir = DatasetDir("\"file_sha1\": \"0000000000000000000000000000000000000000\"");
        string actual = MaintenanceCorpusGenerator.Sha1Hex(Path.Combine(dir, "dev.3turn.jsonl"));
        var run = Predict(dir);
        AssertOneLine(run, 1, "differs from dataset_info.json's 0000000000000000000000000000000000000000",
            $"set \"file_sha1\" to \"{actual}\" (or remove it) in {Path.Combine(dir, "dataset_info.json")}");
        Assert.DoesNotContain("lenient", run.Stderr);
    }

    [Fact]
    public void Resuming_a_finished_run_with_max_steps_at_the_checkpoint_says_there_is_nothing_to_train()
    {
        string output = _tmp.PathOf("run");
        string[] Train(string maxSteps, params string[] extra) =>
        [
            "train", "--do_train", "--model_name_or_path", fixture.ModelDir, "--dataset", "maintenance_3turn_dev", "--dataset_dir", DataDir,
            "--cache_dir", fixture.CacheDir, "--output_dir", output, "--max_samples", "8", "--per_device_train_batch_size", "4",
            "--max_steps", maxSteps, "--save_steps", "2", "--logging_steps", "1", "--max_source_length", "64", "--max_target_length", "16", .. extra,
        ];
        var first = TinyCliModelFixture.Run(Train("2"));
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("train: 2 steps in ", first.Stdout);
        File.Delete(Path.Combine(output, "train_results.json"));

        AssertOneLine(TinyCliModelFixture.Run(Train("2", "--resume_from_checkpoint", "true")), 1,
            "nothing to train: checkpoint-2 is already at step 2 >= max_steps 2", "raise max_steps");
        Assert.False(File.Exists(Path.Combine(output, "train_results.json")));

        var resumed = TinyCliModelFixture.Run(Train("3", "--resume_from_checkpoint", "true"));
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("resumed from checkpoint-2 (step 2 of 3)", resumed.Stdout);
        Assert.Contains("train: 1 steps in ", resumed.Stdout);
        Assert.Contains("(steps 3-3 of 3, resumed)", resumed.Stdout);
    }
}
