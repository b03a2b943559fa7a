using ChatGlmLab.Adapters;
using ChatGlmLab.Cli;
using ChatGlmLab.Cli.Commands;
using ChatGlmLab.Training;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Cli;

/// <summary>Bad command lines fail with exit code 2 and say what is wrong, before any model or data is loaded.</summary>
public sealed class CliArgumentErrorTests
{
    // A directory with a config.json is enough: every check here runs before the weights are read.
    private static readonly string ModelDir = Paths.Fixture("chatglm-tiny");
    private static readonly string DataDir = Path.Combine(Paths.RepoRoot, "data");

    private static CliRun Train(params string[] extra) => TinyCliModelFixture.Run(
        ["train", "--do_train", "--model_name_or_path", ModelDir, "--dataset", "maintenance_3turn_train", "--dataset_dir", DataDir,
         "--output_dir", Path.Combine(Path.GetTempPath(), "chatglmlab-cli-never-written"), .. extra]);

    private static void AssertUsageError(CliRun run, params string[] messageParts)
    {
        Assert.True(run.ExitCode == 2, run.ToString());
        foreach (var part in messageParts) Assert.Contains(part, run.Stderr);
    }

    [Fact]
    public void Unknown_argument_lists_the_valid_names_of_the_command()
    {
        var run = Train("--lora_rnak", "8");
        AssertUsageError(run, "unknown argument --lora_rnak", "--lora_rank", "--model_name_or_path", "--per_device_train_batch_size", "--max_new_tokens");
        var chat = TinyCliModelFixture.Run("chat", "--model_name_or_path", ModelDir, "--learning_rate", "1");
        AssertUsageError(chat, "unknown argument --learning_rate for 'chat'", "--checkpoint_dir", "--top_p");
        Assert.DoesNotContain("--per_device_train_batch_size", chat.Stderr);
    }

    [Theory]
    [InlineData("--pre_seq_len", "8", "--pre_seq_len only apply to --finetuning_type p_tuning")]
    [InlineData("--prefix_projection", "true", "--prefix_projection only apply to --finetuning_type p_tuning")]
    [InlineData("--num_layer_trainable", "2", "--num_layer_trainable only apply to --finetuning_type freeze")]
    public void P_tuning_and_freeze_options_conflict_with_lora(string name, string value, string message) =>
        AssertUsageError(Train("--finetuning_type", "lora", name, value), message);

    [Fact]
    public void Lora_options_conflict_with_p_tuning() =>
        AssertUsageError(Train("--finetuning_type", "p_tuning", "--lora_rank", "4", "--lora_target", "dense"),
            "--lora_rank, --lora_target only apply to --finetuning_type lora");

    [Theory]
    [InlineData("3", "--quantization_bit 3 is not supported; valid values: 4, 8")]
    [InlineData("16", "valid values: 4, 8")]
    public void Quantization_bit_must_be_4_or_8(string bits, string message) =>
        AssertUsageError(Train("--quantization_bit", bits), message);

    [Theory]
    [InlineData("--learning_rate", "nan")]
    [InlineData("--learning_rate", "Infinity")]
    [InlineData("--max_grad_norm", "-Infinity")]
    public void A_number_argument_must_be_finite(string name, string value) =>
        AssertUsageError(Train(name, value), $"{name} takes a finite number, not '{value}'");

    [Fact]
    public void Full_fine_tuning_cannot_train_a_quantized_base() =>
        AssertUsageError(Train("--finetuning_type", "full", "--quantization_bit", "8"), "--quantization_bit cannot be used with --finetuning_type full");

    [Fact]
    public void Fp16_with_a_quantized_base_is_rejected_and_fp16_with_bf16_too()
    {
        AssertUsageError(Train("--quantization_bit", "4", "--fp16"), "--fp16 cannot be used with --quantization_bit");
        AssertUsageError(Train("--fp16", "--bf16", "true"), "fp16 and bf16 cannot both be set");
    }

    [Fact]
    public void Evaluation_during_training_needs_a_dev_split() =>
        AssertUsageError(Train("--do_eval"), "give --dev_ratio");

    [Fact]
    public void Missing_or_wrong_model_path_is_reported()
    {
        AssertUsageError(TinyCliModelFixture.Run("train", "--do_train", "--dataset", "maintenance_3turn_train", "--output_dir", "x"),
            "--model_name_or_path is required");
        string missing = Path.Combine(Path.GetTempPath(), "no-such-model-" + Guid.NewGuid().ToString("N"));
        AssertUsageError(TinyCliModelFixture.Run("predict", "--model_name_or_path", missing, "--dataset", "maintenance_3turn_dev", "--output_dir", "x"),
            $"--model_name_or_path {missing}: directory not found");
        AssertUsageError(TinyCliModelFixture.Run("export", "--model_name_or_path", DataDir, "--output_dir", "x"), "no config.json");
    }

    [Fact]
    public void Missing_or_unknown_dataset_is_reported_with_the_known_names()
    {
        AssertUsageError(TinyCliModelFixture.Run("train", "--do_train", "--model_name_or_path", ModelDir, "--dataset_dir", DataDir, "--output_dir", "x"),
            "--dataset is required");
        AssertUsageError(TinyCliModelFixture.Run("train", "--do_train", "--model_name_or_path", ModelDir, "--dataset", "maintenance_3turn_train,nope",
            "--dataset_dir", DataDir, "--output_dir", "x"), "--dataset nope: no such dataset", "maintenance_3turn_dev");
    }

    [Fact]
    public void Malformed_values_and_repeated_arguments_name_the_argument()
    {
        AssertUsageError(Train("--learning_rate", "fast"), "--learning_rate takes a number, not 'fast'");
        AssertUsageError(Train("--max_steps", "1.5"), "--max_steps takes an integer, not '1.5'");
        AssertUsageError(Train("--max_samples", "4", "--max_train_samples", "5"), "--max_train_samples and --max_samples are the same argument");
        AssertUsageError(Train("--dataset", "again"), "--dataset is given twice");
        AssertUsageError(Train("stray"), "unexpected 'stray'");
    }

    [Fact]
    public void Train_needs_a_do_flag_and_predict_refuses_to_train()
    {
        AssertUsageError(TinyCliModelFixture.Run("train", "--model_name_or_path", ModelDir, "--dataset", "maintenance_3turn_train", "--output_dir", "x"),
            "train needs --do_train");
        AssertUsageError(TinyCliModelFixture.Run("predict", "--do_train", "--model_name_or_path", ModelDir, "--dataset", "maintenance_3turn_dev", "--output_dir", "x"),
            "predict does not train");
        AssertUsageError(Train("--do_predict", "--dev_ratio", "0.1"), "--do_predict needs --predict_with_generate");
    }

    [Fact]
    public void Help_lists_each_argument_with_its_description_and_default_from_the_option_records()
    {
        var run = TinyCliModelFixture.Run("export", "--help");
        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Stdout.Split('\n').Select(l => l.TrimEnd()).ToList();
        Assert.StartsWith("chatglm-lab export: merge checkpoints", lines[0]);
        Assert.Equal("arguments:", lines[1]);
        // One line per name, in order, each with its kind; descriptions come from the records' doc comments.
        Assert.Equal(["--checkpoint_dir", "--finetuning_type", "--model_name_or_path", "--output_dir", "--overwrite_output_dir", "--quantization_bit"],
            lines.Skip(2).Where(l => l.Length > 0).Select(l => l.Trim().Split(' ')[0]));
        Assert.Contains(lines, l => l.Contains("--model_name_or_path TEXT") && l.Contains("A Hugging Face-layout model directory"));
        Assert.Contains(lines, l => l.Contains("--overwrite_output_dir [true|false]") && l.EndsWith("[default: false]"));

        var train = TinyCliModelFixture.Run("train", "--help");
        Assert.Contains(train.Stdout.Split('\n'), l => l.Contains("--learning_rate NUMBER") && l.Contains("peak learning rate") && l.Contains("[default: 5E-05]"));
        Assert.Contains(train.Stdout.Split('\n'), l => l.Contains("--lora_rank INT") && l.Contains("[default: 8]"));
        Assert.Contains(train.Stdout.Split('\n'), l => l.Contains("--max_samples INT") && l.Contains("(also --max_train_samples)"));
    }

    /// <summary>Every command and subcommand answers --help with exit 0, before any work, and describes every argument it lists.</summary>
    [Theory]
    [InlineData("train")] [InlineData("predict")] [InlineData("chat")] [InlineData("export")] [InlineData("score")] [InlineData("data")]
    [InlineData("data convert")] [InlineData("data stats")] [InlineData("pretrain")] [InlineData("compare")] [InlineData("notebook")]
    [InlineData("notebook run")] [InlineData("notebook fix-tool")] [InlineData("png")] [InlineData("bench")] [InlineData("bench realsize")] [InlineData("memory")]
    public void Every_command_and_subcommand_explains_itself_with_help(string command)
    {
        var run = TinyCliModelFixture.Run([.. command.Split(' '), "--help"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(run.Stderr);
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).ToList();
        Assert.StartsWith($"chatglm-lab {command}: ", lines[0]);
        Assert.True(lines[0].Length > $"chatglm-lab {command}: ".Length + 10, lines[0]);
        Assert.DoesNotContain(lines, l => l.Contains("(no description)"));
        foreach (var argument in lines.Where(l => l.StartsWith("  --", StringComparison.Ordinal)))
            Assert.Matches(@"^  --\w+ ?(TEXT|INT|NUMBER|\[true\|false\])? +\S.{10,}", argument);
    }

    [Fact]
    public void A_command_with_subcommands_lists_them_in_its_help()
    {
        var data = TinyCliModelFixture.Run("data", "--help");
        Assert.True(data.ExitCode == 0, data.ToString());
        Assert.Contains("subcommands:", data.Stdout);
        Assert.Matches(@"\n  convert +a NER corpus", data.Stdout);
        Assert.Matches(@"\n  stats +sentences, mentions per type", data.Stdout);
        var convert = TinyCliModelFixture.Run("data", "convert", "--help");
        Assert.Contains("--outputs TEXT", convert.Stdout);
        Assert.Contains("[default: ner_json,cluener,3turn,single]", convert.Stdout);
        Assert.Contains("realsize", TinyCliModelFixture.Run("bench", "--help").Stdout);
        Assert.Contains("fix-tool", TinyCliModelFixture.Run("notebook", "--help").Stdout);
    }

    [Fact]
    public void Compare_help_does_not_start_the_comparison_and_memory_still_works()
    {
        var help = TinyCliModelFixture.Run("compare", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--profile TEXT", help.Stdout);
        Assert.Contains("reduced", help.Stdout);
        var memory = TinyCliModelFixture.Run("memory");
        Assert.True(memory.ExitCode == 0, memory.ToString());
        Assert.Contains("chatglm-6b: 6,707,929,088 parameters", memory.Stdout);
    }

    [Fact]
    public void A_flag_followed_by_a_word_that_is_not_true_or_false_names_the_flag()
    {
        AssertUsageError(TinyCliModelFixture.Run("compare", "--bf16", "maybe"), "--bf16 takes true or false", "not 'maybe'");
        AssertUsageError(TinyCliModelFixture.Run("compare", "stray"), "unexpected 'stray'", "--name value");
    }

    [Fact]
    public void Compare_takes_an_integer_seed()
    {
        var run = TinyCliModelFixture.Run("compare", "--seed", "x");
        AssertUsageError(run, "--seed takes an integer, not 'x'");
        Assert.Contains("--seed", TinyCliModelFixture.Run("compare", "--help").Stdout);
    }

    [Fact]
    public void Compare_seeds_are_distinct_integers_and_not_beside_seed()
    {
        AssertUsageError(TinyCliModelFixture.Run("compare", "--seeds", "42,x"), "--seeds 42,x: 'x' is not an integer");
        AssertUsageError(TinyCliModelFixture.Run("compare", "--seeds", "7,7"), "--seeds 7,7: 7 is given twice");
        AssertUsageError(TinyCliModelFixture.Run("compare", "--seed", "1", "--seeds", "2,3"), "either --seed", "or --seeds");
    }

    [Theory]
    [InlineData("--max_steps", "0", "--max_steps 0:", "1 or more")]
    [InlineData("--max_steps", "-5", "--max_steps -5:", "1 or more")]
    [InlineData("--tagger_epochs", "-1", "--tagger_epochs -1:", "0 (no tagger) or more")]
    [InlineData("--tagger_max_seconds", "-3", "--tagger_max_seconds -3:", "0 (none) or more")]
    [InlineData("--device", "gpu", "--device gpu:", "give cpu, cuda or cuda:N")]
    [InlineData("--device", "cuda:99", "--device cuda:99:", "cuda")]   // no CUDA here; on a GPU machine, not 100 GPUs
    [InlineData("--model_name_or_path", "no-such-model-dir", "--model_name_or_path no-such-model-dir", "directory not found")]
    [InlineData("--cluener_dir", ".", "--cluener_dir is the cluener profile's data", "--profile cluener")]
    [InlineData("--dataset_dir", "no-such-corpus", "--dataset_dir no-such-corpus", "no maintenance/train.ner.jsonl there")]
    public void Compare_refuses_a_budget_device_or_folder_it_cannot_use_before_reading_data(string name, string value, string named, string what)
    {
        var run = TinyCliModelFixture.Run("compare", name, value, "--output_dir", Path.Combine(Path.GetTempPath(), "chatglmlab-cli-never-written"));
        AssertUsageError(run, named, what);
        Assert.DoesNotContain("data:", run.Stdout);   // refused before the corpus was read
    }

    [Fact]
    public void The_seeds_max_train_samples_spelling_binds_max_samples()
    {
        var given = TrainCommandSpec().Parse(["--max_train_samples", "5", "--dev_ratio", "0.25"]);
        var data = given.Bind<DataArguments>();
        Assert.Equal(5, data.MaxSamples);
        Assert.Equal(0.25, data.DevRatio);
        Assert.Equal(512, data.MaxSourceLength);
    }

    private static ArgumentSpec TrainCommandSpec() => ChatGlmLab.Cli.Commands.TrainCommand.Spec("train");

    [Fact]
    public void Unknown_command_lists_the_commands()
    {
        var run = TinyCliModelFixture.Run("finetune");
        AssertUsageError(run, "unknown command 'finetune'", "train", "predict", "chat", "export", "score", "data", "pretrain", "compare");
    }

    [Fact]
    public void Binder_sets_the_toolkit_names_on_the_kit_records_and_reads_flags()
    {
        var given = new ArgumentSpec("t", typeof(TrainingArguments), typeof(FinetuningOptions), typeof(ModelArguments))
            .Parse(["--fp16", "--learning_rate", "5e-5", "--overwrite_output_dir", "false", "--num_train_epochs", "3.0",
                    "--lora_target=query_key_value,dense", "--quantization_bit", "4", "--do_train"]);
        var training = given.Bind<TrainingArguments>();
        Assert.True(training.Fp16);
        Assert.True(training.DoTrain);
        Assert.False(training.OverwriteOutputDir);
        Assert.Equal(5e-5, training.LearningRate);
        Assert.Equal(3.0, training.NumTrainEpochs);
        Assert.Equal(8, training.PerDeviceTrainBatchSize);   // untouched default
        Assert.Equal(["query_key_value", "dense"], given.Bind<FinetuningOptions>().LoraTargets);
        Assert.Equal(4, given.Bind<ModelArguments>().QuantizationBit);
    }
}
