using System.Text.Json;
using ChatGlmLab.Modeling;

namespace ChatGlmLab.Tests.Cli;

/// <summary>train / predict / export / chat of the CLI in-process on a tiny self-built model and 40 bundled records.</summary>
public sealed class CliEndToEndTests(TinyCliModelFixture fixture) : IClassFixture<TinyCliModelFixture>
{
    [Fact]
    public void Train_writes_the_adapter_logs_and_dev_split_predictions()
    {
        var run = fixture.Training;
        Assert.True(run.ExitCode == 0, run.ToString());
        string dir = fixture.TrainOutputDir;
        using (var adapter = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "adapter_config.json"))))
            Assert.Equal(8, adapter.RootElement.GetProperty("r").GetInt32());
        Assert.True(File.Exists(Path.Combine(dir, "finetuning_args.json")));
        // logging_steps 1: one line with a loss per update (plus the end-of-training and evaluation lines).
        var log = File.ReadAllLines(Path.Combine(dir, "trainer_log.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(5, log.Count(l => l.GetProperty("loss").ValueKind == JsonValueKind.Number));
        Assert.Single(log, l => l.GetProperty("eval_loss").ValueKind == JsonValueKind.Number);
        using (var train = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "train_results.json"))))
            Assert.True(double.IsFinite(train.RootElement.GetProperty("train_loss").GetDouble()));
        using (var eval = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "eval_results.json"))))
            Assert.True(eval.RootElement.GetProperty("eval_loss").GetDouble() > 0);
        Assert.True(File.Exists(Path.Combine(dir, "training_loss.html")));
        // 40 records, dev_ratio 0.1 → 4 dev records, max_eval_samples 3 of them predicted.
        Assert.Contains("36 training records, 4 dev records", run.Stdout);
        // Training, eval-loss and prediction inputs each go through the preprocessing cache in --cache_dir.
        Assert.Matches(@"preprocessing cache (miss \(no cache file\): tokenized|hit:) 36 training-layout examples", run.Stdout);
        Assert.Matches(@"preprocessing cache (miss \(no cache file\): tokenized|hit:) 3 evaluation-layout examples", run.Stdout);
        Assert.Contains(Path.Combine(fixture.CacheDir, "sft-training-"), run.Stdout);
        Assert.Equal(3, ReadPredictions(Path.Combine(dir, "generated_predictions.jsonl")).Count);
        // The dev split is shuffled, so its 3-turn records are not in sentence order: generation metrics only.
        Assert.Contains("entity scores: skipped", run.Stdout);
        Assert.Contains(Path.GetFullPath(dir), run.Stdout);
    }

    [Fact]
    public void Predict_reads_the_preprocessing_cache_on_a_second_run_and_rebuilds_it_with_overwrite_cache()
    {
        string cacheDir = Path.Combine(fixture.Root, "cache-predict");
        CliRun Predict(string name, params string[] extra) => TinyCliModelFixture.Run(
        [
            "predict", "--model_name_or_path", fixture.ModelDir, "--dataset", "maintenance_3turn_dev", "--dataset_dir", fixture.DataDir,
            "--cache_dir", cacheDir, "--max_eval_samples", "3", "--output_dir", Path.Combine(fixture.Root, name),
            "--max_source_length", "128", "--max_target_length", "24", "--max_new_tokens", "2", "--do_sample", "false", .. extra,
        ]);
        var first = Predict("predict-cache-1");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("preprocessing cache miss (no cache file): tokenized 3 evaluation-layout examples", first.Stdout);
        var file = Assert.Single(Directory.GetFiles(cacheDir));
        Assert.Contains(file, first.Stdout);

        var second = Predict("predict-cache-2");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains($"preprocessing cache hit: 3 evaluation-layout examples", second.Stdout);
        Assert.Equal(File.ReadAllText(Path.Combine(fixture.Root, "predict-cache-1", "generated_predictions.jsonl")),
            File.ReadAllText(Path.Combine(fixture.Root, "predict-cache-2", "generated_predictions.jsonl")));

        var third = Predict("predict-cache-3", "--overwrite_cache");
        Assert.True(third.ExitCode == 0, third.ToString());
        Assert.Contains("preprocessing cache miss (overwrite_cache): tokenized 3 evaluation-layout examples", third.Stdout);
        Assert.Equal(file, Assert.Single(Directory.GetFiles(cacheDir)));
    }

    [Fact]
    public void Predict_with_the_trained_adapter_writes_predictions_and_entity_scores()
    {
        Assert.True(fixture.Training.ExitCode == 0, fixture.Training.ToString());
        string output = Path.Combine(fixture.Root, "predict");
        var run = TinyCliModelFixture.Run("predict", "--do_predict", "--model_name_or_path", fixture.ModelDir, "--checkpoint_dir", fixture.TrainOutputDir,
            "--dataset", "maintenance_3turn_dev", "--dataset_dir", fixture.DataDir, "--cache_dir", fixture.CacheDir, "--predict_with_generate", "--max_eval_samples", "12",
            "--output_dir", output, "--max_source_length", "128", "--max_target_length", "24", "--max_new_tokens", "4", "--do_sample", "false");
        Assert.True(run.ExitCode == 0, run.ToString());

        var predictions = ReadPredictions(Path.Combine(output, "generated_predictions.jsonl"));
        Assert.Equal(12, predictions.Count);
        Assert.Equal("操作部件1$操作部件2$安装动作$目标部件1", predictions[0].Label);   // the dev file's first record
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "predict_results.json")));
        foreach (var key in new[] { "predict_bleu-4", "predict_rouge-1", "predict_rouge-2", "predict_rouge-l", "predict_accuracy",
                     "predict_entity_precision", "predict_entity_recall", "predict_entity_f1", "predict_samples" })
            Assert.True(results.RootElement.TryGetProperty(key, out _), $"missing {key}");
        Assert.Equal(12, results.RootElement.GetProperty("predict_samples").GetDouble());
        using var entities = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "predict_entity_scores.json")));
        // Gold spans parsed from the records' own answers: the first 12 records are 1 complete sentence (9 records) + part of the next, which is left out.
        Assert.Equal(1, entities.RootElement.GetProperty("sentences").GetInt32());
        var micro = entities.RootElement.GetProperty("micro");
        Assert.True(micro.GetProperty("true_positives").GetInt32() + micro.GetProperty("false_negatives").GetInt32() > 0, micro.ToString());
        Assert.Contains(Path.GetFullPath(Path.Combine(output, "generated_predictions.jsonl")), run.Stdout);

        // score re-reads the same predictions with the records: the same generation metrics.
        string scoreFile = Path.Combine(fixture.Root, "rescored.json");
        var score = TinyCliModelFixture.Run("score", "--predictions_file", Path.Combine(output, "generated_predictions.jsonl"),
            "--dataset_file", Path.Combine(fixture.DataDir, "maintenance", "dev.3turn.jsonl"), "--output_file", scoreFile);
        Assert.True(score.ExitCode == 0, score.ToString());
        using var rescored = JsonDocument.Parse(File.ReadAllText(scoreFile));
        Assert.Equal(results.RootElement.GetProperty("predict_bleu-4").GetDouble(), rescored.RootElement.GetProperty("metrics").GetProperty("predict_bleu-4").GetDouble());
        Assert.Equal(results.RootElement.GetProperty("predict_entity_f1").GetDouble(), rescored.RootElement.GetProperty("metrics").GetProperty("predict_entity_f1").GetDouble());
    }

    [Fact]
    public void Export_merges_the_adapter_into_a_reloadable_checkpoint_with_the_tokenizer()
    {
        Assert.True(fixture.Training.ExitCode == 0, fixture.Training.ToString());
        string output = Path.Combine(fixture.Root, "exported");
        var run = TinyCliModelFixture.Run("export", "--model_name_or_path", fixture.ModelDir, "--checkpoint_dir", fixture.TrainOutputDir, "--output_dir", output);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(Path.Combine(output, "tokenizer_config.json")));
        Assert.Contains(Path.GetFullPath(output), run.Stdout);

        using var exported = ChatGlmForConditionalGeneration.FromPretrained(output);
        using var merged = ChatGlm.LoadPretrained(new ModelArguments { ModelNameOrPath = fixture.ModelDir, CheckpointDir = fixture.TrainOutputDir }).Model;
        using var plainBase = ChatGlmForConditionalGeneration.FromPretrained(fixture.ModelDir);
        const string key = "transformer.layers.0.attention.query_key_value.weight";
        var exportedWeight = exported.state_dict()[key];
        Assert.True(exportedWeight.allclose(merged.state_dict()[key]), "export differs from base + adapter");
        Assert.False(exportedWeight.allclose(plainBase.state_dict()[key]), "export equals the base: the adapter was not merged");
        Assert.NotNull(ChatGlm.TryLoadTokenizer(output));

        var again = TinyCliModelFixture.Run("export", "--model_name_or_path", fixture.ModelDir, "--output_dir", output);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("--overwrite_output_dir", again.Stderr);
    }

    [Fact]
    public void Chat_replies_to_each_line_and_keeps_the_history_until_clear()
    {
        Assert.True(fixture.Training.ExitCode == 0, fixture.Training.ToString());
        var run = TinyCliModelFixture.RunWithInput("拧紧螺栓\n标记导管\nhistory\nclear\nhistory\n安装支架\nexit\n不会被读到\n",
            "chat", "--model_name_or_path", fixture.ModelDir, "--checkpoint_dir", fixture.TrainOutputDir, "--max_new_tokens", "3", "--do_sample", "false");
        Assert.True(run.ExitCode == 0, run.ToString());
        var replies = run.Stdout.Split('\n').Where(l => l.Contains("ChatGLM: ")).ToList();
        Assert.Equal(3, replies.Count);
        Assert.Contains("History: 2 turns", run.Stdout);
        Assert.Contains("[1] 拧紧螺栓 → ", run.Stdout);
        Assert.Contains("[2] 标记导管 → ", run.Stdout);
        Assert.Contains("History cleared.", run.Stdout);
        Assert.Contains("History: 0 turns", run.Stdout);
        Assert.Contains("Bye (1 turns in the history)", run.Stdout);
        // Speed: one line per reply on stderr (at most max_new_tokens each), their sum in the closing line on stdout.
        var perReply = System.Text.RegularExpressions.Regex.Matches(run.Stderr, @"\((\d+) tokens in [\d.]+ s, [\d.]+ tokens/s").Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal(3, perReply.Count);
        Assert.All(perReply, n => Assert.InRange(n, 1, 3));
        Assert.Matches($@"generated {perReply.Sum()} tokens in [\d.]+ s \([\d.]+ tokens/s", run.Stdout);
    }

    private static List<(string Label, string Predict)> ReadPredictions(string path) =>
        File.ReadAllLines(path).Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            return (doc.RootElement.GetProperty("label").GetString()!, doc.RootElement.GetProperty("predict").GetString()!);
        }).ToList();
}
