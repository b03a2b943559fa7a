using ChatGlmLab.Datasets;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Datasets.Synthetic;
using ChatGlmLab.ModelInputs;
using ChatGlmLab.Modeling;
using ChatGlmLab.Tasks.Ner;
using ChatGlmLab.Tokenization;
using static TorchSharp.torch;

namespace ChatGlmLab.Experiments;

/// <summary>
/// Everything an experiment on the NER corpus starts from, prepared once and shared by every method
/// run: the train/dev sentences, their 3-turn records, the base model directory (the small CPU model
/// built and cached by <see cref="BaseModelBuilder"/>, or a real checkpoint) with its tokenizer, and the
/// tokenized training inputs. The comparison, the single-method notebooks and the studies all start here,
/// so they see the same data and the same base model for the same options.
/// </summary>
public sealed record ExperimentData
{
    public required CompareOptions Options { get; init; }
    /// <summary>Every sentence of the train file (the base model recipe pretrains on all of them, see <see cref="BaseModelText"/>).</summary>
    public required IReadOnlyList<NerExample> AllTrain { get; init; }
    public required IReadOnlyList<NerExample> TrainExamples { get; init; }
    public required IReadOnlyList<NerExample> DevExamples { get; init; }
    /// <summary>The train sentences' 3-turn records the methods are fine-tuned on (<see cref="FinetuneRecipe.RecordsToTrain"/>).</summary>
    public required IReadOnlyList<InstructionRecord> TrainRecords { get; init; }
    /// <summary>The dev sentences' 3-turn records with their sentence index (gold-history evaluation).</summary>
    public required IReadOnlyList<NerInstructionRecord> DevRecords { get; init; }
    public required string BaseModelDir { get; init; }
    public required ChatGlmTokenizer Tokenizer { get; init; }
    public required SupervisedPreprocessor Preprocessor { get; init; }
    public required NerInstructionBuilder Builder { get; init; }
    public required NerAnswerParser Parser { get; init; }

    private IReadOnlyList<TokenizedExample>? _trainInputs;
    /// <summary>The 3-turn training records tokenized (computed on first use).</summary>
    public IReadOnlyList<TokenizedExample> TrainInputs => _trainInputs ??= Tokenize(TrainRecords);

    public IReadOnlyList<TokenizedExample> Tokenize(IEnumerable<InstructionRecord> records) => records.Select(Preprocessor.ForTraining).ToList();

    public static ExperimentData Prepare(CompareOptions options, Action<string>? log = null)
    {
        log ??= _ => { };
        Directory.CreateDirectory(options.OutputDir);
        var builder = new NerInstructionBuilder(options.Instructions);
        var (allTrain, trainExamples, allRecords) = ReadTrain(options, builder);
        var trainRecords = options.Finetune.RecordsToTrain(allRecords, options.Seed);
        string devFile = Path.Combine(options.DataDir, options.DevFile);
        var devExamples = Take(NerCorpusFormat.Read(devFile, options.CorpusFormat).Items, options.DevSentences);
        var devRecords = BuildAll(builder, devExamples, devFile);
        log($"data: {trainExamples.Count} train sentences → {allRecords.Count} records, {trainRecords.Count} fine-tuned on; {devExamples.Count} dev sentences → {devRecords.Count} records");

        string baseDir = options.ModelNameOrPath
            ?? BaseModelBuilder.BuildOrLoad(options.BaseModel, options.BaseModelCacheFolder(), BaseModelText(options, allTrain), BaseModelRecords(options, builder, allTrain),
                options.Instructions, log, options.ShippedBaseModelFolder());
        var tokenizer = ChatGlm.TryLoadTokenizer(baseDir) ?? throw new FileNotFoundException($"no tokenizer in {baseDir}");
        return new ExperimentData
        {
            Options = options, AllTrain = allTrain, TrainExamples = trainExamples, DevExamples = devExamples,
            TrainRecords = trainRecords, DevRecords = devRecords, BaseModelDir = baseDir, Tokenizer = tokenizer,
            Builder = builder, Parser = new NerAnswerParser(options.Instructions, new SinglePassOptions { Labels = options.Instructions.Labels }),
            Preprocessor = new SupervisedPreprocessor(tokenizer, new SftOptions { MaxSourceLength = options.MaxSourceLength, MaxTargetLength = options.MaxTargetLength }),
        };
    }

    /// <summary>
    /// Builds the options' small base model into <paramref name="dir"/> from the same inputs <see cref="Prepare"/> gives
    /// <see cref="BaseModelBuilder"/> (so its key is the one a comparison with these options looks for), whatever is cached or shipped.
    /// </summary>
    public static BaseModelManifest BuildBaseModel(CompareOptions options, string dir, Action<string>? log = null)
    {
        var (text, records) = BaseModelInputs(options);
        return BaseModelBuilder.Build(options.BaseModel, dir, text, records, options.Instructions, log);
    }

    /// <summary>The key of the small base model these options use (<see cref="BaseModelCacheKey"/> of the inputs <see cref="Prepare"/> builds it from).</summary>
    public static string BaseModelKey(CompareOptions options)
    {
        var (text, records) = BaseModelInputs(options);
        return BaseModelCacheKey.Of(options.BaseModel, text, records);
    }

    private static (IReadOnlyList<string> Text, IReadOnlyList<InstructionRecord> Records) BaseModelInputs(CompareOptions options)
    {
        var builder = new NerInstructionBuilder(options.Instructions);
        var allTrain = ReadAllTrain(options);
        return (BaseModelText(options, allTrain), BaseModelRecords(options, builder, allTrain));
    }

    /// <summary>The 3-turn records the base model's tokenizer and glossary take the questions' wording from: all of those of the
    /// first <see cref="BaseModelRecipe.InstructionSentences"/> train sentences, whatever the fine-tuning uses (so its key depends
    /// on neither the number of sentences fine-tuned on nor the share of their records).</summary>
    private static List<InstructionRecord> BaseModelRecords(CompareOptions options, NerInstructionBuilder builder, IReadOnlyList<NerExample> allTrain) =>
        Records(BuildAll(builder, Take(allTrain, options.BaseModel.InstructionSentences), Path.Combine(options.DataDir, options.TrainFile)));

    /// <summary>Every train sentence, those fine-tuned on, and all their 3-turn records.</summary>
    private static (IReadOnlyList<NerExample> All, IReadOnlyList<NerExample> Used, List<NerInstructionRecord> Records) ReadTrain(CompareOptions options, NerInstructionBuilder builder)
    {
        var all = ReadAllTrain(options);
        var used = Take(all, options.TrainSentences);
        return (all, used, BuildAll(builder, used, Path.Combine(options.DataDir, options.TrainFile)));
    }

    /// <summary>The 3-turn records of <paramref name="examples"/>; a sentence the questions cannot ask about (a type the
    /// label set lacks) is named with its file.</summary>
    private static List<NerInstructionRecord> BuildAll(NerInstructionBuilder builder, IEnumerable<NerExample> examples, string file)
    {
        try { return builder.BuildAll(examples).ToList(); }
        catch (ArgumentException e) { throw new ArgumentException($"{file}, {e.Message}; the profile's label set is fixed, so fix the sentence or use a corpus of these types"); }
    }

    private static IReadOnlyList<NerExample> ReadAllTrain(CompareOptions options) =>
        NerCorpusFormat.Read(Path.Combine(options.DataDir, options.TrainFile), options.CorpusFormat).Items;

    private static List<InstructionRecord> Records(IEnumerable<NerInstructionRecord> records) => records.Select(r => r.Record).ToList();

    /// <summary>The base model in the options' compute type (bf16 when <see cref="CompareOptions.ComputesInBf16"/>), or float32 for training (fp32 master weights).</summary>
    public ChatGlmForConditionalGeneration LoadBase(bool forTraining = false) =>
        ChatGlmForConditionalGeneration.FromPretrained(BaseModelDir, new ModelLoadOptions
        {
            DType = Options.ComputesInBf16() && !forTraining ? ScalarType.BFloat16 : ScalarType.Float32, Device = Options.TorchDevice(),
        });

    /// <summary>A human-readable description of the base model (for reports).</summary>
    public string BaseModelDescription => Options.ModelNameOrPath ??
        $"small ChatGLM (hidden {Options.BaseModel.HiddenSize}, {Options.BaseModel.NumLayers} layers, {Options.BaseModel.NumHeads} heads, inner {Options.BaseModel.InnerHiddenSize}), pretrained {Options.BaseModel.Steps} steps: {BaseModelDir}";

    /// <summary>
    /// The small base model's unlabelled text: every train sentence, plus, for the bundled corpus, its generator's
    /// further sentences over the whole lexicon (<see cref="BaseModelRecipe.GeneratorSentences"/>), as a real base
    /// model knows the domain's words beyond those the labelled data uses. Other corpora have only their train text.
    /// </summary>
    private static IReadOnlyList<string> BaseModelText(CompareOptions options, IReadOnlyList<NerExample> allTrain)
    {
        var text = allTrain.Select(e => e.Text);
        bool bundled = options.TrainFile.Replace('\\', '/').StartsWith(MaintenanceCorpusGenerator.Folder + "/", StringComparison.Ordinal);
        if (bundled && options.BaseModel.GeneratorSentences > 0)
            text = text.Concat(MaintenanceCorpusGenerator.PretrainingText(options.BaseModel.GeneratorSentences));
        return text.ToList();
    }

    private static IReadOnlyList<NerExample> Take(IReadOnlyList<NerExample> all, int count) => count > 0 && count < all.Count ? all.Take(count).ToList() : all;
}
