using ChatGlmLab.Adapters;
using ChatGlmLab.Experiments;
using ChatGlmLab.ModelInputs;
using ChatGlmLab.Modeling;
using ChatGlmLab.Runtime;
using ChatGlmLab.Tokenization;
using ChatGlmLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Cli.Commands;

/// <summary>
/// A small ChatGLM-architecture base model trained from scratch: a SentencePiece tokenizer built from the
/// corpus, a model of the given size, the GLM objective (prefix → [gMASK] &lt;sop&gt; continuation &lt;eop&gt;),
/// the trainer's usual arguments and outputs; output_dir ends up an HF-layout model directory with its
/// tokenizer, usable as --model_name_or_path. (The toolkit has no such command; BaseModelRecipe's steps.)
/// With --profile instead of --corpus it builds the small base model of that compare profile, exactly as compare would
/// (its recipe, seed and data, so compare with the same options finds it by key): how data/base-model and
/// data/cluener-base-model, the models shipped in the repository, are made.
/// </summary>
public static class PretrainCommand
{
    public static ArgumentSpec Spec() =>
        new ArgumentSpec("pretrain", typeof(TrainingArguments))
            .With("corpus", typeof(string), "JSON lines with a text field, or plain text with one text per line (required unless --profile)")
            .With("profile", typeof(string), $"instead of --corpus: build compare's small base model of this profile ({string.Join(", ", ProfilesWithASmallModel)}) into --output_dir, as compare would")
            .With("dataset_dir", typeof(string), "with --profile: the folder compare reads the corpus from", "data")
            .With("cluener_dir", typeof(string), $"with --profile {ExperimentProfile.Cluener}: the folder with CLUENER2020's train.json and dev.json")
            .With("text_field", typeof(string), "the field of each JSON line that holds the text", "text")
            .With("max_samples", typeof(int), "the first n texts of the corpus (default: all)")
            .With("max_length", typeof(int), "tokens per training sequence (4 to --max_sequence_length)", 256)
            .With("hidden_size", typeof(int), "model width", 256)
            .With("num_layers", typeof(int), "transformer layers", 4)
            .With("num_attention_heads", typeof(int), "attention heads (hidden_size / heads must be divisible by 4)", 4)
            .With("inner_hidden_size", typeof(int), "MLP width (default: 4 x hidden_size)")
            .With("max_sequence_length", typeof(int), "longest sequence the model is built for (position embeddings)", 1024)
            .With("multi_character_pieces", typeof(int), "multi-character pieces the tokenizer learns besides single characters", 4000)
            .With("min_character_frequency", typeof(int), "characters seen fewer times than this become unknown", 1);

    public static int Run(string[] args, CliContext context)
    {
        var given = Spec().Parse(args);
        // Without --do_train the toolkit's flag is implied: pretraining is training.
        var training = given.Bind<TrainingArguments>() with { DoTrain = true };
        if (given.Get("profile") is { } profile) return BuildProfileBaseModel(profile, given, training, context);
        string corpusPath = given.Require("corpus", "JSON lines with a text field, or plain text, one text per line");
        InputFile.Require(corpusPath, "--corpus", "text corpus");
        int hidden = given.GetInt("hidden_size")!.Value;
        int layers = given.GetInt("num_layers")!.Value;
        int heads = given.GetInt("num_attention_heads")!.Value;
        int inner = given.GetInt("inner_hidden_size") ?? 4 * hidden;
        int maxSequence = given.GetInt("max_sequence_length")!.Value;
        int maxLength = given.GetInt("max_length")!.Value;
        if (hidden < 4 || layers < 1 || heads < 1 || inner < 1)
            throw new CliUsageException("--hidden_size, --num_layers, --num_attention_heads and --inner_hidden_size must be positive");
        if (hidden % heads != 0 || hidden / heads % 4 != 0)
            throw new CliUsageException($"--hidden_size {hidden} / --num_attention_heads {heads} must be a whole per-head size divisible by 4 (2-D rotary positions)");
        if (maxLength < 4 || maxLength > maxSequence)
            throw new CliUsageException($"--max_length must be in [4, max_sequence_length {maxSequence}]");
        if (training.Fp16) throw new CliUsageException("--fp16 is not supported for pretraining on CPU; use --bf16 or float32");
        try { training.Validate(); }
        catch (ArgumentException e) { throw new CliUsageException(e.Message); }
        string outputDir = training.OutputDir;
        if (training.ResumeFromCheckpoint == null
            && OutputDirectory.RefusalToWriteInto(outputDir, training.OverwriteOutputDir, alternative: "--resume_from_checkpoint to continue the run") is { } refusal)
            throw new CliUsageException(refusal);

        var texts = ReadCorpus(corpusPath, given.Get("text_field")!);
        if (given.GetInt("max_samples") is { } maxSamples) texts = texts.Take(maxSamples).ToList();
        if (texts.Count == 0) throw new CliUsageException($"--corpus {corpusPath}: no texts");
        var output = context.Stdout;
        output.WriteLine($"corpus: {texts.Count} texts from {corpusPath}");

        // The tokenizer is a deterministic function of the corpus, so a resumed run rebuilds the same one.
        Directory.CreateDirectory(outputDir);
        var built = SentencePieceModelBuilder.Build(texts, outputDir, new SentencePieceBuilderOptions
        {
            MinCharacterFrequency = given.GetInt("min_character_frequency")!.Value,
            MultiCharacterPieces = given.GetInt("multi_character_pieces")!.Value,
        });
        var tokenizer = ChatGlmTokenizer.FromPretrained(outputDir);
        output.WriteLine($"tokenizer: {built.VocabSize} pieces ({built.CharacterPieces} characters, {built.MultiCharacterPieces} multi-character)");

        var config = new ChatGlmConfig
        {
            NameOrPath = Path.GetFileName(Path.GetFullPath(outputDir).TrimEnd(Path.DirectorySeparatorChar)), HiddenSize = hidden, NumLayers = layers,
            NumAttentionHeads = heads, InnerHiddenSize = inner, VocabSize = built.VocabSize, MaskTokenId = built.MaskId, GMaskTokenId = built.GMaskId,
            BosTokenId = built.BosId, EosTokenId = built.EosId, PadTokenId = built.PadId, MaxSequenceLength = maxSequence, TorchDtype = "float32",
        };
        manual_seed(training.Seed);
        using var model = ChatGlmForConditionalGeneration.Create(config);
        var source = new GlmPretrainingSource(tokenizer, texts, training.PerDeviceTrainBatchSize, maxLength);
        // The output_dir check is done above (it now holds the tokenizer we just wrote).
        using (var trainer = new Trainer(model, training with { OverwriteOutputDir = true }, FinetuningOptions.For(FinetuningType.Full), source, null, config.NameOrPath!) { Info = output.WriteLine })
        {
            output.WriteLine($"model: hidden {hidden}, {layers} layers, {heads} heads, inner {inner}: {trainer.TrainableParameters.All:N0} parameters");
            var result = trainer.Train();
            output.WriteLine($"pretrain: {result.Summary()}");
        }
        // The trainer saved the weights in its compute dtype; the base model is kept in float32.
        model.to(ScalarType.Float32);
        ModelExport.SavePretrained(model, outputDir);
        output.WriteLine($"model with tokenizer (use as --model_name_or_path), trainer logs and results: {Path.GetFullPath(outputDir)}");
        return CliApp.Ok;
    }

    /// <summary>The profiles whose comparison builds a small base model (the others run on a checkpoint given to them).</summary>
    private static readonly string[] ProfilesWithASmallModel =
        [ExperimentProfile.Default, ExperimentProfile.Long, ExperimentProfile.Reduced, ExperimentProfile.Tiny, ExperimentProfile.Cluener];

    /// <summary>compare's base model for a profile, built into --output_dir; its seed (<see cref="BaseModelRecipe.Seed"/>) is --seed (the trainer's default, 42, is the recipe's too).</summary>
    private static int BuildProfileBaseModel(string profile, ParsedArguments given, TrainingArguments training, CliContext context)
    {
        if (given.IsGiven("corpus")) throw new CliUsageException("give either --corpus (a text corpus) or --profile (compare's base model), not both");
        if (!ProfilesWithASmallModel.Contains(profile))
            throw new CliUsageException($"--profile {profile}: pretrain builds the small base model of {string.Join(", ", ProfilesWithASmallModel)}");
        string outputDir = training.OutputDir, datasetDir = given.Get("dataset_dir")!;
        if (OutputDirectory.RefusalToWriteInto(outputDir, training.OverwriteOutputDir) is { } refusal) throw new CliUsageException(refusal);
        CompareOptions options;
        try { options = ExperimentProfile.Options(profile, Path.Combine(Path.GetTempPath(), "chatglmlab-pretrain"), datasetDir, cluenerDir: given.Get("cluener_dir")); }
        catch (ArgumentException e) { throw new CliUsageException(e.Message); }   // a profile without its data is a usage error
        // The finished model replaces the output folder: it must not hold the corpus it is built from.
        string corpusDir = options.DataDir, corpusArgument = profile == ExperimentProfile.Cluener ? "--cluener_dir" : "--dataset_dir";
        if (OutputDirectory.SameOrInside(outputDir, corpusDir))
            throw new CliUsageException($"--output_dir {outputDir} holds {corpusArgument} {corpusDir} (real paths {OutputDirectory.RealPath(outputDir)}, {OutputDirectory.RealPath(corpusDir)}): the built model " +
                $"replaces the output folder; give a folder of its own, e.g. {options.ShippedBaseModelFolder()}");
        options = options with { BaseModel = options.BaseModel with { Seed = training.Seed } };
        var output = context.Stdout;
        var manifest = ExperimentData.BuildBaseModel(options, outputDir, line => output.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}"));
        output.WriteLine($"base model of profile {profile}, seed {manifest.Seed}: key {manifest.Key}, pretrained in {manifest.PretrainingSeconds:F0} s, " +
            $"{BaseModelManifest.WeightsFile} sha256 {manifest.WeightsSha256}: {Path.GetFullPath(outputDir)}");
        return CliApp.Ok;
    }

    /// <summary>JSON lines (the text field of each object) when the first line is a JSON object, else one text per non-empty line.</summary>
    public static List<string> ReadCorpus(string path, string textField)
    {
        string? first = File.ReadLines(path).FirstOrDefault(l => !string.IsNullOrWhiteSpace(l));
        if (first == null) return [];
        if (first.TrimStart().StartsWith('{')) return JsonLinesCorpus.ReadField(path, textField).Where(t => t.Length > 0).ToList();
        return File.ReadLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
    }
}
