using ChatGlmLab.Adapters;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Generation;
using ChatGlmLab.Tasks.Ner;

namespace ChatGlmLab.Experiments;

/// <summary>
/// The named settings the notebooks and <c>chatglm-lab compare --profile</c> start from, each a `with` on
/// <see cref="CompareOptions"/>' defaults (and its <see cref="BaseModelRecipe"/> and <see cref="FinetuneRecipe"/>) that
/// states only what it changes:
/// "default" — the CPU main job (the defaults); "long" — the default's recipe and base model with the time a longer run
/// buys (all the train and dev sentences, 5,000 steps per method); "reduced" — the test profile of the comparison;
/// "tiny" — the small CPU model and a budget of a few minutes for all notebooks together (what CI runs);
/// "chatglm-6b" — a real checkpoint directory (run on a GPU machine), all data, the comparison's methods (Freeze on the toolkit's 3 blocks);
/// "cluener" — the default recipe on the public CLUENER2020 benchmark (10 types) read from the folder the user gives,
/// printed beside the benchmark's published results.
/// Everything a user tweaks afterwards is a `with` on the returned options.
/// </summary>
public static class ExperimentProfile
{
    public const string Tiny = "tiny";
    public const string Reduced = "reduced";
    public const string Default = "default";
    public const string Long = "long";
    public const string ChatGlm6B = "chatglm-6b";
    public const string Cluener = "cluener";
    public static readonly string[] Names = [Tiny, Reduced, Default, Long, ChatGlm6B, Cluener];

    /// <summary>The cluener profile's shipped base model, a folder of the bundled data folder (beside its base-model).</summary>
    public const string CluenerBaseModelFolder = "cluener-base-model";

    /// <param name="profile">One of <see cref="Names"/>.</param>
    /// <param name="outputDir">Where the comparison writes its runs and report.</param>
    /// <param name="dataDir">The folder of the bundled corpus (null = the options' default, "data"); the cluener profile reads
    /// <paramref name="cluenerDir"/> instead and takes only its shipped base model from here (dataDir/cluener-base-model).</param>
    /// <param name="modelNameOrPath">A checkpoint directory to run on; required for "chatglm-6b"; null with the other profiles builds the small model.</param>
    /// <param name="baseModelCacheDir">Where the small base model is cached; share one folder between runs so it is built once.</param>
    /// <param name="cluenerDir">The folder holding CLUENER2020's train.json and dev.json; required for "cluener".</param>
    public static CompareOptions Options(string profile, string outputDir, string? dataDir = null, string? modelNameOrPath = null, string? baseModelCacheDir = null,
        string? cluenerDir = null)
    {
        var options = profile switch
        {
            Tiny => TinyOptions(),
            Reduced => ReducedOptions(),
            Default => new CompareOptions(),
            Long => LongOptions(),
            ChatGlm6B => new CompareOptions
            {
                ModelNameOrPath = string.IsNullOrWhiteSpace(modelNameOrPath)
                    ? throw new ArgumentException("profile chatglm-6b needs the checkpoint directory (model_name_or_path)")
                    : modelNameOrPath,
                TrainSentences = 0, DevSentences = 0,   // a real model on a GPU: all the data
                Finetune = new FinetuneRecipe
                {
                    Turns = new TurnMix(1, 1, 1),   // as the seed's files have it (the quarter of the position records is for the small CPU model)
                    // Freeze as the toolkit has it, the last 3 blocks' MLPs: 6 would train 805 M parameters, 12.9 GB of
                    // float32 weights, gradients and Adam state against 6.4 GB (environment.md's memory table has the 3).
                    Methods = ComparedMethods.WithFreeze(FinetuningOptions.For(FinetuningType.Freeze)),
                },
            },
            Cluener => CluenerOptions(cluenerDir, dataDir),
            _ => throw new ArgumentException($"unknown profile '{profile}'; valid: {string.Join(", ", Names)}"),
        };
        return options with
        {
            OutputDir = outputDir, DataDir = profile == Cluener ? options.DataDir : dataDir ?? options.DataDir, BaseModelCacheDir = baseModelCacheDir,
            ModelNameOrPath = string.IsNullOrWhiteSpace(modelNameOrPath) ? options.ModelNameOrPath : modelNameOrPath,
        };
    }

    /// <summary>
    /// The default recipe given about 45 minutes here instead of ten: every train sentence (2,000;
    /// the default takes 240) and 5,000 steps per method, so each record is seen about twice rather than many times over;
    /// all 200 dev sentences (1,406 mentions), so a difference of a few points is not the dev set's noise; the tagger 10
    /// passes over the larger train set. Same shipped base model (<see cref="BaseModelRecipe.InstructionSentences"/> keeps its key).
    /// </summary>
    private static CompareOptions LongOptions()
    {
        var defaults = new CompareOptions();
        return defaults with
        {
            TrainSentences = 0, DevSentences = 0,
            Finetune = defaults.Finetune with { Steps = 5000 },
            Tagger = defaults.Tagger with { Epochs = 10 },
        };
    }

    /// <summary>
    /// A few-minute profile for tests: the default's data and shipped base model (the same train sentences, so the same
    /// key) with fewer fine-tuning steps and tagger passes, same pipeline (a smaller model trained this briefly leaves
    /// the adapters no better than the base model, which would test nothing).
    /// </summary>
    private static CompareOptions ReducedOptions()
    {
        var defaults = new CompareOptions();
        return defaults with
        {
            Finetune = defaults.Finetune with { Steps = 600 },
            Tagger = defaults.Tagger with { Epochs = 10 },
            Generation = new GenerationOptions { MaxNewTokens = 24 },   // the NER answers are short
        };
    }

    /// <summary>
    /// Small enough that all eight notebooks run in a few minutes on 2 cores, on the same pipeline as the others: a
    /// smaller model and budget than "reduced" (its models barely move off the base model; it checks the pipeline, not the methods).
    /// </summary>
    private static CompareOptions TinyOptions()
    {
        var reduced = ReducedOptions();
        var model = reduced.BaseModel with { HiddenSize = 64, NumLayers = 2, NumHeads = 2, InnerHiddenSize = 256, Steps = 120, BatchSize = 16, GeneratorSentences = 4000, InstructionSentences = 40 };
        return reduced with
        {
            TrainSentences = 40, DevSentences = 4,
            BaseModel = model,
            Finetune = reduced.Finetune with { Steps = 24, BatchSize = 4, Methods = ComparedMethods.For(model.NumLayers) },
            Tagger = reduced.Tagger with { Epochs = 20, BatchSize = 4, EmbeddingSize = 32, HiddenSize = 32 },   // 40 sentences: small batches, or too few updates
            Generation = new GenerationOptions { MaxNewTokens = 16 },
        };
    }

    /// <summary>
    /// The default recipe on CLUENER2020 (train.json / dev.json of the public download, CLUENER's JSON Lines): its 10 types
    /// as the label set, all 10,748 train sentences (for the base model's text, the fine-tuning records and the tagger) and
    /// all 1,343 dev sentences (the split the published results are reported on); the tagger makes the default's 20 passes,
    /// about 55 s of CPU each over the 10,748 sentences. The published F1s are printed beside the table. Its base model (the default recipe on
    /// CLUENER's text, in the 3-layer shape it was built with) is shipped beside the bundled corpus's, in <paramref name="dataDir"/>/cluener-base-model.
    /// </summary>
    private static CompareOptions CluenerOptions(string? dir, string? dataDir)
    {
        if (string.IsNullOrWhiteSpace(dir))
            throw new ArgumentException("profile cluener needs cluener_dir: the folder holding CLUENER2020's train.json and dev.json (the public download, github.com/CLUEbenchmark/CLUENER2020)");
        foreach (var file in new[] { "train.json", "dev.json" })
            if (!File.Exists(Path.Combine(dir, file)))
                throw new ArgumentException($"cluener_dir {dir}: no {file} there; give the folder holding CLUENER2020's train.json and dev.json");
        var defaults = new CompareOptions();
        // The questions' wording from every train sentence's records. The shape and compute type are those its shipped model
        // was built with (the default recipe's before it went to 6 layers), stated here so that model keeps its key.
        var model = defaults.BaseModel with { InstructionSentences = 0, HiddenSize = 192, NumLayers = 3, NumHeads = 3, InnerHiddenSize = 768, Bf16 = true };
        return defaults with
        {
            DataDir = dir, TrainFile = "train.json", DevFile = "dev.json", CorpusFormat = NerCorpusFormat.Cluener,
            Instructions = NerInstructionOptions.Article with { Labels = CluenerLabels.All },
            TrainSentences = 0, DevSentences = 0,
            BaseModel = model,
            Finetune = defaults.Finetune with { Methods = ComparedMethods.For(model.NumLayers) },
            ShippedBaseModelDir = Path.Combine(dataDir ?? defaults.DataDir, CluenerBaseModelFolder),
            PublishedResults = PublishedResult.Cluener2020,
        };
    }
}
