using ChatGlmLab.Adapters;
using ChatGlmLab.Cli;
using ChatGlmLab.Datasets;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Modeling;
using ChatGlmLab.Tokenization;
using static TorchSharp.torch;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Cli;

/// <summary>
/// A tiny ChatGLM with a tokenizer built from the bundled corpus (the shared fixtures' tokenizer does not
/// fit the shared tiny model's vocabulary), saved once per test class in a temp dir, plus one LoRA
/// training run of the CLI that several tests read (train is the slow part).
/// </summary>
public sealed class TinyCliModelFixture : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "chatglmlab-cli-" + Guid.NewGuid().ToString("N")[..8]);
    public string ModelDir => Path.Combine(Root, "model");
    public string DataDir { get; } = Path.Combine(Paths.RepoRoot, "data");
    public string TrainOutputDir => Path.Combine(Root, "lora");
    /// <summary>The runs' preprocessing cache: here rather than in the repository's data/.cache.</summary>
    public string CacheDir => Path.Combine(Root, "cache");

    private readonly Lazy<CliRun> _training;

    public TinyCliModelFixture()
    {
        Directory.CreateDirectory(ModelDir);
        var sentences = NerJson.Read(Path.Combine(DataDir, "maintenance", "train.ner.jsonl")).Items.Take(300).Select(e => e.Text);
        // The instruction wording too, so prompts are a few dozen tokens rather than hundreds of characters.
        var records = InstructionFileReader.Read(Path.Combine(DataDir, "maintenance", "train.3turn.jsonl")).Items.Take(60);
        var corpus = sentences.Concat(records.SelectMany(r => new[] { r.Instruction, r.Output })).ToList();
        var built = SentencePieceModelBuilder.Build(corpus, ModelDir, new SentencePieceBuilderOptions { MinCharacterFrequency = 1, MultiCharacterPieces = 300 });
        var config = new ChatGlmConfig
        {
            NameOrPath = "cli-test-tiny", HiddenSize = 32, NumLayers = 2, NumAttentionHeads = 2, InnerHiddenSize = 64,
            VocabSize = built.VocabSize, MaskTokenId = built.MaskId, GMaskTokenId = built.GMaskId, BosTokenId = built.BosId,
            EosTokenId = built.EosId, PadTokenId = built.PadId, MaxSequenceLength = 512, TorchDtype = "float32",
        };
        manual_seed(7);
        using var model = ChatGlmForConditionalGeneration.Create(config);
        ModelExport.SavePretrained(model, ModelDir);
        _training = new Lazy<CliRun>(() => Run("train", "--do_train", "--do_eval", "--do_predict", "--predict_with_generate",
            "--model_name_or_path", ModelDir, "--dataset", "maintenance_3turn_train", "--dataset_dir", DataDir, "--cache_dir", CacheDir,
            "--finetuning_type", "lora", "--output_dir", TrainOutputDir, "--max_samples", "40", "--dev_ratio", "0.1",
            "--max_steps", "5", "--per_device_train_batch_size", "4", "--gradient_accumulation_steps", "1", "--lr_scheduler_type", "cosine",
            "--logging_steps", "1", "--save_steps", "1000", "--learning_rate", "1e-3", "--max_source_length", "128", "--max_target_length", "24",
            "--max_eval_samples", "3", "--max_new_tokens", "4", "--do_sample", "false", "--plot_loss"));
    }

    /// <summary>The shared training run (train + eval + predict on the dev split); runs on first use.</summary>
    public CliRun Training => _training.Value;

    public static CliRun Run(params string[] args) => RunWithInput("", args);

    public static CliRun RunWithInput(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, new StringReader(stdin), stdout, stderr);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
