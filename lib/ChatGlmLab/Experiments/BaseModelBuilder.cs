using ChatGlmLab.Adapters;
using ChatGlmLab.Datasets;
using ChatGlmLab.ModelInputs;
using ChatGlmLab.Modeling;
using ChatGlmLab.Tasks.Ner;
using ChatGlmLab.Tokenization;
using ChatGlmLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Experiments;

/// <summary>
/// Builds the small base model of the CPU comparison as its <see cref="BaseModelRecipe"/> says: a tokenizer built from
/// the corpus (sentences plus the instruction wording, so prompts stay short; sentences cut into words first, so pieces
/// do not run across words, see <see cref="WordSegmentedSentences"/>), a ChatGLM-architecture model of the recipe's
/// shape, pretrained from scratch on the given sentences (see <see cref="ExperimentData"/>: the train sentences, plus
/// generator text for the bundled corpus) with <see cref="PretrainingTasks"/> (the GLM objective and generic text
/// skills, never the NER questions, so fine-tuning has something to teach). Saved in Hugging Face layout with its
/// tokenizer and its <see cref="BaseModelManifest"/>, in a folder named by <see cref="BaseModelCacheKey"/>, so a second run
/// with the same inputs reuses it. The default profile's model is shipped in the repository (data/base-model, built by
/// <c>chatglm-lab pretrain --profile default</c>): a run whose key is the shipped model's uses it and pretrains nothing.
/// </summary>
public static class BaseModelBuilder
{
    /// <param name="recipe">The model's shape, tokenizer settings, pretraining schedule and seed; all of it is in the key.</param>
    /// <param name="cacheDir">The folder the models are cached in (one subfolder per key).</param>
    /// <param name="sentences">The pretraining sentences, also the tokenizer's main corpus; part of the key.</param>
    /// <param name="instructionSample">Instruction records whose questions, answers and prompts go into the tokenizer and
    /// the glossary (never trained on as questions); part of the key.</param>
    /// <param name="instructions">The NER questions' wording and labels the glossary is made of (null = the article's).</param>
    /// <param name="log">Told which model is used, or how the build goes (tokenizer size, pretraining loss and time); null for silence.</param>
    /// <param name="shippedDir">A model folder shipped with the kit (data/base-model): used when it was built for the same key.</param>
    public static string BuildOrLoad(BaseModelRecipe recipe, string cacheDir, IReadOnlyList<string> sentences,
        IReadOnlyList<InstructionRecord> instructionSample, NerInstructionOptions? instructions = null, Action<string>? log = null, string? shippedDir = null)
    {
        string key = BaseModelCacheKey.Of(recipe, sentences, instructionSample);
        if (shippedDir != null && BaseModelManifest.Read(shippedDir)?.Key == key)
        {
            log?.Invoke($"base model: the one shipped with the kit, {shippedDir} (key {key})");
            return shippedDir;
        }
        string dir = Path.Combine(cacheDir, key);
        if (BaseModelManifest.Read(dir) != null)
        {
            log?.Invoke($"base model: cached at {dir}");
            return dir;
        }
        Build(recipe, dir, sentences, instructionSample, instructions, log);
        return dir;
    }

    /// <summary>
    /// Builds the model into <paramref name="dir"/> (replacing what is there): in a sibling folder first, moved into place
    /// with its manifest when complete, so an interrupted build never looks finished.
    /// </summary>
    public static BaseModelManifest Build(BaseModelRecipe recipe, string dir, IReadOnlyList<string> sentences,
        IReadOnlyList<InstructionRecord> instructionSample, NerInstructionOptions? instructions = null, Action<string>? log = null)
    {
        string key = BaseModelCacheKey.Of(recipe, sentences, instructionSample);
        string building = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar) + ".building-" + Environment.ProcessId;
        if (Directory.Exists(building)) Directory.Delete(building, true);
        Directory.CreateDirectory(building);

        // Tokenizer: the sentences and the instruction wording (questions and answers of a sample of records).
        // The glossary: the NER questions' wording and label names as plain text (no answers), a few times over.
        var builder = new NerInstructionBuilder(instructions);
        var glossary = Enumerable.Repeat(builder.Options.Labels.Select(builder.MentionInstruction).Prepend(builder.TypeInstruction())
            .Concat(instructionSample.Take(recipe.GlossaryInstructions).Select(r => r.Instruction)), recipe.GlossaryRepeats).SelectMany(x => x).ToList();
        var pretraining = PretrainingTasks.Build(sentences, glossary, recipe.Seed, recipe.Curriculum);
        var corpus = sentences.Concat(PretrainingTasks.Wording())
            .Concat(instructionSample.SelectMany(r => new[] { r.Instruction, r.Output }))
            .Concat(instructionSample.Take(recipe.TokenizerTemplatePrompts).Select(r => PromptTemplate.Default.BuildPrompt(r.Instruction + r.Input, r.History))).ToList();   // the template's own words ("[Round 0]", "问：", "答：")
        var built = SentencePieceModelBuilder.Build(WordSegmentedSentences.Apply(corpus, sentences), building,
            new SentencePieceBuilderOptions { MinCharacterFrequency = recipe.TokenizerMinCharacterFrequency, MultiCharacterPieces = recipe.TokenizerMultiCharacterPieces });
        var tokenizer = ChatGlmTokenizer.FromPretrained(building);
        log?.Invoke($"base model: tokenizer with {built.VocabSize} pieces");

        var config = new ChatGlmConfig
        {
            NameOrPath = recipe.Name, HiddenSize = recipe.HiddenSize, NumLayers = recipe.NumLayers,
            NumAttentionHeads = recipe.NumHeads, InnerHiddenSize = recipe.InnerHiddenSize, VocabSize = built.VocabSize,
            MaskTokenId = built.MaskId, GMaskTokenId = built.GMaskId, BosTokenId = built.BosId, EosTokenId = built.EosId,
            PadTokenId = built.PadId, MaxSequenceLength = recipe.MaxSequenceLength, TorchDtype = "float32",
        };
        manual_seed(recipe.Seed);
        using var model = ChatGlmForConditionalGeneration.Create(config);
        ScaleInitialWeights(model, recipe);
        var args = new TrainingArguments
        {
            OutputDir = Path.Combine(building, "pretraining"), OverwriteOutputDir = true, MaxSteps = recipe.Steps,
            LearningRate = recipe.LearningRate, WarmupRatio = recipe.WarmupRatio, LrSchedulerType = recipe.LrSchedulerType, WeightDecay = recipe.WeightDecay,
            LoggingSteps = Math.Max(1, recipe.Steps / 10), SaveStrategy = "no", Bf16 = recipe.Bf16, Seed = recipe.Seed, DisableTqdm = true,
        };
        var preprocessor = new SupervisedPreprocessor(tokenizer, new SftOptions { MaxSourceLength = recipe.MaxSourceLength, MaxTargetLength = recipe.MaxTargetLength });
        var source = new SftBatchSource(tokenizer, pretraining.Select(preprocessor.ForTraining).ToList(), recipe.BatchSize, groupByLength: true);
        double seconds;
        using (var trainer = new Trainer(model, args, FinetuningOptions.For(FinetuningType.Full), source, null, config.NameOrPath!))
        {
            var result = trainer.Train();
            seconds = result.Seconds;
            log?.Invoke($"base model: pretrained {result.GlobalStep} steps in {result.Seconds:F0} s, loss {result.TrainLoss:F3}");
        }
        model.to(ScalarType.Float32);
        ModelExport.SavePretrained(model, building);
        // The trainer's log, state and arguments stay beside the model; not its copy of the weights (the model just saved,
        // again) nor its TensorBoard events (the log's losses): the folder is shipped in the repository, so it stays small.
        File.Delete(Path.Combine(args.OutputDir, BaseModelManifest.WeightsFile));
        string events = Path.Combine(args.OutputDir, TensorBoardLogger.RunsFolder);
        if (Directory.Exists(events)) Directory.Delete(events, recursive: true);
        var manifest = new BaseModelManifest
        {
            Key = key, Seed = recipe.Seed, Recipe = recipe, PretrainingSeconds = Math.Round(seconds, 1),
            WeightsSha256 = BaseModelManifest.Sha256Of(Path.Combine(building, BaseModelManifest.WeightsFile)),
        };
        manifest.Write(building);
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        Directory.Move(building, dir);
        log?.Invoke($"base model: saved to {dir}");
        return manifest;
    }

    /// <summary>
    /// Block linears start at <see cref="BaseModelRecipe.InitScale"/> (3×) the 0.02 std of ChatGLM's initialiser, the two
    /// projections back into the residual (attention.dense, mlp.dense_4h_to_h) at <see cref="BaseModelRecipe.ResidualOutputInitScale"/>
    /// (9×). ChatGLM adds each branch to α·LN(x) with α = √56 whatever the depth (28 layers upstream), so at std 0.02 a
    /// 3-layer model's branches start at about 1% of the residual and it learns to attend only slowly: copying a
    /// one-character answer from the prompt took it over 300 steps (loss 0.6–0.7), against under 120 (loss 0.05) with these scales.
    /// </summary>
    private static void ScaleInitialWeights(ChatGlmForConditionalGeneration model, BaseModelRecipe recipe)
    {
        using var _ = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (!name.Contains(".layers.") || !name.EndsWith(".weight") || parameter.dim() != 2) continue;
            bool output = name.EndsWith("attention.dense.weight") || name.EndsWith("mlp.dense_4h_to_h.weight");
            parameter.mul_(output ? recipe.ResidualOutputInitScale : recipe.InitScale);
        }
    }
}
