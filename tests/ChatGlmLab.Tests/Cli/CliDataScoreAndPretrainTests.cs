using System.Text.Json;
using ChatGlmLab.Datasets;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Experiments;
using ChatGlmLab.Modeling;
using ChatGlmLab.Tests.Infrastructure;
using ChatGlmLab.Training;

namespace ChatGlmLab.Tests.Cli;

/// <summary>data convert / data stats, score with entity P/R/F1, and pretrain of a tiny base model.</summary>
public sealed class CliDataScoreAndPretrainTests : IDisposable
{
    private static readonly string Maintenance = Path.Combine(Paths.RepoRoot, "data", "maintenance");
    private readonly string _root = Path.Combine(Path.GetTempPath(), "chatglmlab-cli-data-" + Guid.NewGuid().ToString("N")[..8]);

    public CliDataScoreAndPretrainTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Convert_reproduces_the_bundled_instruction_files_and_registers_them()
    {
        string output = Path.Combine(_root, "converted");
        var run = TinyCliModelFixture.Run("data", "convert", "--input", Path.Combine(Maintenance, "dev.ner.jsonl"), "--output_dir", output, "--name", "maint_dev");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(File.ReadAllBytes(Path.Combine(Maintenance, "dev.3turn.jsonl")), File.ReadAllBytes(Path.Combine(output, "maint_dev.3turn.jsonl")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(Maintenance, "dev.single.jsonl")), File.ReadAllBytes(Path.Combine(output, "maint_dev.single.jsonl")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(Maintenance, "dev.ner.jsonl")), File.ReadAllBytes(Path.Combine(output, "maint_dev.ner.jsonl")));

        var registry = DatasetRegistry.Load(Path.Combine(output, DatasetRegistry.FileName));
        var bundled = DatasetRegistry.Load(Path.Combine(Paths.RepoRoot, "data", DatasetRegistry.FileName));
        Assert.Equal(bundled.Get("maintenance_3turn_dev").FileSha1, registry.Get("maint_dev_3turn").FileSha1);
        Assert.Equal("maint_dev.single.jsonl", registry.Get("maint_dev_single").FileName);

        var original = NerJson.Read(Path.Combine(Maintenance, "dev.ner.jsonl")).Items;
        var cluener = CluenerReader.Read(Path.Combine(output, "maint_dev.cluener.jsonl")).Items;
        Assert.Equal(original.Count, cluener.Count);
        // CLUENER groups spans by type, so compare the entity sets.
        for (int i = 0; i < original.Count; i++)
            Assert.Equal(original[i].Entities.OrderBy(e => e.Start).ThenBy(e => e.Type), cluener[i].Entities.OrderBy(e => e.Start).ThenBy(e => e.Type));
        Assert.Contains(Path.GetFullPath(Path.Combine(output, DatasetRegistry.FileName)), run.Stdout);

        var again = TinyCliModelFixture.Run("data", "convert", "--input", Path.Combine(Maintenance, "dev.ner.jsonl"), "--output_dir", output, "--name", "maint_dev");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("--overwrite_output_dir", again.Stderr);
    }

    [Fact]
    public void Convert_reads_conll_with_the_named_scheme_and_asks_for_it_otherwise()
    {
        var examples = NerJson.Read(Path.Combine(Maintenance, "dev.ner.jsonl")).Items.Take(20).ToList();
        string conll = Path.Combine(_root, "dev.bio");
        ConllWriter.Write(conll, examples, TagScheme.Bio);
        string output = Path.Combine(_root, "from-conll");

        var unknownFormat = TinyCliModelFixture.Run("data", "convert", "--input", conll, "--output_dir", output);
        Assert.Equal(2, unknownFormat.ExitCode);
        Assert.Contains("give --input_format (ner_json, cluener, bio, bioes, bmes)", unknownFormat.Stderr);
        var badOutputs = TinyCliModelFixture.Run("data", "convert", "--input", conll, "--input_format", "bio", "--output_dir", output, "--outputs", "ner_json,xml");
        Assert.Equal(2, badOutputs.ExitCode);
        Assert.Contains("valid outputs are ner_json, cluener, 3turn, single", badOutputs.Stderr);

        var run = TinyCliModelFixture.Run("data", "convert", "--input", conll, "--input_format", "bio", "--output_dir", output, "--name", "dev", "--outputs", "ner_json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var back = NerJson.Read(Path.Combine(output, "dev.ner.jsonl")).Items;
        Assert.Equal(examples.Count, back.Count);
        Assert.All(examples.Zip(back), pair => Assert.True(pair.First.SameAs(pair.Second)));
        Assert.False(File.Exists(Path.Combine(output, DatasetRegistry.FileName)));   // no instruction file, nothing to register
    }

    [Fact]
    public void Stats_count_sentences_types_skips_and_lengths()
    {
        string input = Path.Combine(_root, "mixed.ner.jsonl");
        var lines = File.ReadLines(Path.Combine(Maintenance, "dev.ner.jsonl")).Take(10).ToList();
        lines.Insert(3, """{"text":"拧紧螺栓","entities":[{"type":"安装动作","start":0,"end":2,"mention":"拧松"}]}""");   // mention does not match the text
        File.WriteAllLines(input, lines);
        string json = Path.Combine(_root, "stats.json");

        var strict = TinyCliModelFixture.Run("data", "stats", "--input", input);
        Assert.Equal(1, strict.ExitCode);
        Assert.Contains(":4:", strict.Stderr);   // file:line of the bad record

        var run = TinyCliModelFixture.Run("data", "stats", "--input", input, "--lenient", "--output_file", json);
        Assert.True(run.ExitCode == 0, run.ToString());
        using var stats = JsonDocument.Parse(File.ReadAllText(json));
        var root = stats.RootElement;
        Assert.Equal(10, root.GetProperty("sentences").GetInt32());
        Assert.Equal(1, root.GetProperty("records_skipped").GetInt32());
        var expected = NerJson.Read(Path.Combine(Maintenance, "dev.ner.jsonl")).Items.Take(10).ToList();
        Assert.Equal(expected.Sum(e => e.Entities.Count), root.GetProperty("mentions").GetInt32());
        Assert.Equal(expected.SelectMany(e => e.Entities).Count(e => e.Type == "操作部件1"), root.GetProperty("mentions_per_type").GetProperty("操作部件1").GetInt32());
        Assert.Equal(expected.Max(e => e.Text.Length), root.GetProperty("text_length_chars").GetProperty("max").GetInt32());
        Assert.Contains(Path.GetFullPath(json), run.Stdout);
    }

    [Fact]
    public void Score_gives_full_entity_scores_to_gold_answers_and_less_to_wrong_ones()
    {
        var records = InstructionFileReader.Read(Path.Combine(Maintenance, "dev.3turn.jsonl")).Items.Take(30).ToList();
        string perfect = Path.Combine(_root, "perfect.jsonl");
        string wrong = Path.Combine(_root, "wrong.jsonl");
        WritePredictions(perfect, records.Select(r => (r.Output, r.Output)));
        // Every position answer shifted by one character: the spans no longer match.
        WritePredictions(wrong, records.Select(r => (r.Output, r.Output.Replace("起始位置:", "起始位置:1"))));

        string perfectScores = Path.Combine(_root, "perfect.scores.json");
        var run = TinyCliModelFixture.Run("score", "--predictions_file", perfect, "--dataset_file", Path.Combine(Maintenance, "dev.3turn.jsonl"),
            "--ner_file", Path.Combine(Maintenance, "dev.ner.jsonl"), "--output_file", perfectScores);
        Assert.True(run.ExitCode == 0, run.ToString());
        using (var doc = JsonDocument.Parse(File.ReadAllText(perfectScores)))
        {
            var metrics = doc.RootElement.GetProperty("metrics");
            Assert.Equal(100.0, metrics.GetProperty("predict_entity_f1").GetDouble());
            Assert.Equal(100.0, metrics.GetProperty("predict_bleu-4").GetDouble());
            Assert.Contains("gold spans from the NER file", doc.RootElement.GetProperty("entity_note").GetString());
        }

        var wrongRun = TinyCliModelFixture.Run("score", "--predictions_file", wrong, "--dataset_file", Path.Combine(Maintenance, "dev.3turn.jsonl"));
        Assert.True(wrongRun.ExitCode == 0, wrongRun.ToString());
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(_root, "predict_scores.json"))))
            Assert.True(doc.RootElement.GetProperty("metrics").GetProperty("predict_entity_f1").GetDouble() < 50);

        var mismatched = TinyCliModelFixture.Run("score", "--predictions_file", perfect, "--dataset_file", Path.Combine(Maintenance, "train.3turn.jsonl"));
        Assert.Equal(2, mismatched.ExitCode);
        Assert.Contains("do not answer", mismatched.Stderr);
    }

    [Fact]
    public void Pretrain_builds_a_tokenizer_and_a_base_model_usable_as_model_name_or_path()
    {
        string corpus = Path.Combine(_root, "corpus.txt");
        File.WriteAllLines(corpus, NerJson.Read(Path.Combine(Maintenance, "train.ner.jsonl")).Items.Take(150).Select(e => e.Text));
        string output = Path.Combine(_root, "base");
        var run = TinyCliModelFixture.Run("pretrain", "--corpus", corpus, "--output_dir", output, "--hidden_size", "32", "--num_layers", "1",
            "--num_attention_heads", "2", "--inner_hidden_size", "64", "--max_sequence_length", "256", "--multi_character_pieces", "50",
            "--max_steps", "3", "--per_device_train_batch_size", "8", "--learning_rate", "1e-3", "--logging_steps", "1");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(Path.GetFullPath(output), run.Stdout);
        using var model = ChatGlmForConditionalGeneration.FromPretrained(output);
        Assert.Equal(32, model.Config.HiddenSize);
        var tokenizer = ChatGlm.TryLoadTokenizer(output);
        Assert.NotNull(tokenizer);
        Assert.Equal(tokenizer!.VocabSize, model.Config.VocabSize);
        using (var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "train_results.json"))))
            Assert.True(double.IsFinite(results.RootElement.GetProperty("train_loss").GetDouble()));

        var chat = TinyCliModelFixture.RunWithInput("拧紧螺栓\n", "chat", "--model_name_or_path", output, "--max_new_tokens", "2", "--do_sample", "false");
        Assert.True(chat.ExitCode == 0, chat.ToString());
        Assert.Contains("ChatGLM: ", chat.Stdout);

        var badSize = TinyCliModelFixture.Run("pretrain", "--corpus", corpus, "--output_dir", Path.Combine(_root, "bad"), "--hidden_size", "30", "--num_attention_heads", "4");
        Assert.Equal(2, badSize.ExitCode);
        Assert.Contains("per-head size", badSize.Stderr);
    }

    /// <summary>
    /// pretrain --profile builds compare's base model of that profile (the tiny one here), under the key compare looks
    /// for, with its manifest; it refuses a corpus beside a profile, a profile that runs on a given checkpoint, the cluener
    /// profile without its data, and an output folder that holds the data it is built from (the finished model replaces the output folder).
    /// </summary>
    [Fact]
    public void Pretrain_profile_builds_the_base_model_compare_looks_for()
    {
        string data = Path.Combine(Paths.RepoRoot, "data");
        string output = Path.Combine(_root, "tiny-base");
        var run = TinyCliModelFixture.Run("pretrain", "--profile", ExperimentProfile.Tiny, "--output_dir", output, "--dataset_dir", data);
        Assert.True(run.ExitCode == 0, run.ToString());
        var manifest = BaseModelManifest.Read(output);
        Assert.NotNull(manifest);
        var options = ExperimentProfile.Options(ExperimentProfile.Tiny, _root, data);
        Assert.Equal(ExperimentData.BaseModelKey(options), manifest!.Key);
        Assert.Equal(options.BaseModel, manifest.Recipe);
        Assert.Equal(BaseModelManifest.Sha256Of(Path.Combine(output, BaseModelManifest.WeightsFile)), manifest.WeightsSha256);
        Assert.Contains(manifest.Key, run.Stdout);
        Assert.Empty(Directory.GetDirectories(_root, "tiny-base.building-*"));
        // The trainer's outputs are kept without a second copy of the weights or its event files.
        Assert.True(File.Exists(Path.Combine(output, "pretraining", "trainer_log.jsonl")));
        Assert.Equal([BaseModelManifest.WeightsFile], Directory.GetFiles(output, "*.bin", SearchOption.AllDirectories).Select(Path.GetFileName));
        Assert.False(Directory.Exists(Path.Combine(output, "pretraining", TensorBoardLogger.RunsFolder)));

        // In compare's cache folder under its key, the model is what compare takes: nothing is built again.
        string cache = Path.Combine(_root, "cache");
        Directory.CreateDirectory(cache);
        Directory.Move(output, Path.Combine(cache, manifest.Key));
        var log = new List<string>();
        var prepared = ExperimentData.Prepare(options with { BaseModelCacheDir = cache }, log.Add);
        Assert.Equal(Path.Combine(cache, manifest.Key), prepared.BaseModelDir);
        Assert.Contains(log, line => line.StartsWith("base model: cached at", StringComparison.Ordinal));
        Directory.Move(Path.Combine(cache, manifest.Key), output);

        var both = TinyCliModelFixture.Run("pretrain", "--profile", ExperimentProfile.Tiny, "--corpus", "x.txt", "--output_dir", Path.Combine(_root, "b"));
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("not both", both.Stderr);
        var checkpoint = TinyCliModelFixture.Run("pretrain", "--profile", ExperimentProfile.ChatGlm6B, "--output_dir", Path.Combine(_root, "c"));
        Assert.Equal(2, checkpoint.ExitCode);
        Assert.Contains("--profile chatglm-6b", checkpoint.Stderr);
        var cluenerWithoutData = TinyCliModelFixture.Run("pretrain", "--profile", ExperimentProfile.Cluener, "--output_dir", Path.Combine(_root, "c"));
        Assert.Equal(2, cluenerWithoutData.ExitCode);
        Assert.Contains("cluener_dir", cluenerWithoutData.Stderr);
        string cluenerCopy = Path.Combine(_root, "cluener-copy");
        Directory.CreateDirectory(cluenerCopy);
        foreach (var file in new[] { "train.json", "dev.json" }) File.WriteAllText(Path.Combine(cluenerCopy, file), "");
        var intoCluener = TinyCliModelFixture.Run("pretrain", "--profile", ExperimentProfile.Cluener, "--cluener_dir", cluenerCopy, "--output_dir", _root, "--overwrite_output_dir");
        Assert.Equal(2, intoCluener.ExitCode);
        Assert.Contains("holds --cluener_dir", intoCluener.Stderr);
        Assert.True(File.Exists(Path.Combine(cluenerCopy, "train.json")));
        string copy = Path.Combine(_root, "data-copy");
        Directory.CreateDirectory(copy);
        var intoData = TinyCliModelFixture.Run("pretrain", "--profile", ExperimentProfile.Tiny, "--output_dir", _root, "--dataset_dir", copy, "--overwrite_output_dir");
        Assert.Equal(2, intoData.ExitCode);
        Assert.Contains("holds --dataset_dir", intoData.Stderr);
        Assert.True(Directory.Exists(copy));
    }

    private static void WritePredictions(string path, IEnumerable<(string Label, string Predict)> pairs) =>
        File.WriteAllLines(path, pairs.Select(p => JsonSerializer.Serialize(new { label = p.Label, predict = p.Predict })));
}
