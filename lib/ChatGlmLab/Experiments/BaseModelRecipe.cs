using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
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
/// The small base model of the CPU comparison: a tokenizer built from the corpus (sentences plus the
/// instruction wording, so prompts stay short; sentences cut into words first, so pieces do not run across
/// words, see <see cref="WordSegmentedSentences"/>), a ChatGLM-architecture model sized by the options,
/// pretrained from scratch on the given sentences (see <see cref="ExperimentData"/>: the train sentences, plus
/// generator text for the bundled corpus) with <see cref="PretrainingTasks"/> (the GLM
/// objective and generic text skills, never the NER questions, so fine-tuning has something to teach).
/// Saved in Hugging Face layout with its tokenizer; cached under a key of everything that shapes it,
/// so a second run reuses it.
/// </summary>
public static class BaseModelRecipe
{
    public const string ReadyMarker = "recipe.json";

    public static string BuildOrLoad(CompareOptions options, IReadOnlyList<string> sentences, IReadOnlyList<InstructionRecord> instructionSample,
        Action<string>? log = null)
    {
        string key = Key(options, sentences);
        string dir = Path.Combine(options.BaseModelCacheDir ?? Path.Combine(options.OutputDir, "base-model"), key);
        if (File.Exists(Path.Combine(dir, ReadyMarker)))
        {
            log?.Invoke($"base model: cached at {dir}");
            return dir;
        }
        string building = dir + ".building-" + Environment.ProcessId;
        if (Directory.Exists(building)) Directory.Delete(building, true);
        Directory.CreateDirectory(building);

        // Tokenizer: the sentences and the instruction wording (questions and answers of a sample of records).
        // The glossary: the NER questions' wording and label names as plain text (no answers), a few times over.
        var builder = new NerInstructionBuilder();
        var glossary = Enumerable.Repeat(builder.Options.Labels.Select(builder.MentionInstruction).Prepend(builder.TypeInstruction())
            .Concat(instructionSample.Take(200).Select(r => r.Instruction)), 4).SelectMany(x => x).ToList();
        var pretraining = PretrainingTasks.Build(sentences, glossary, options.Seed);
        var corpus = sentences.Concat(PretrainingTasks.Wording())
            .Concat(instructionSample.SelectMany(r => new[] { r.Instruction, r.Output }))
            .Concat(instructionSample.Take(20).Select(r => PromptTemplate.Default.BuildPrompt(r.Instruction + r.Input, r.History))).ToList();   // the template's own words ("[Round 0]", "问：", "答：")
        var built = SentencePieceModelBuilder.Build(WordSegmentedSentences.Apply(corpus, sentences), building,
            new SentencePieceBuilderOptions { MinCharacterFrequency = 1, MultiCharacterPieces = 4000 });
        var tokenizer = ChatGlmTokenizer.FromPretrained(building);
        log?.Invoke($"base model: tokenizer with {built.VocabSize} pieces");

        var config = new ChatGlmConfig
        {
            NameOrPath = "chatglmlab-maintenance-small", HiddenSize = options.HiddenSize, NumLayers = options.NumLayers,
            NumAttentionHeads = options.NumHeads, InnerHiddenSize = options.InnerHiddenSize, VocabSize = built.VocabSize,
            MaskTokenId = built.MaskId, GMaskTokenId = built.GMaskId, BosTokenId = built.BosId, EosTokenId = built.EosId,
            PadTokenId = built.PadId, MaxSequenceLength = 1024, TorchDtype = "float32",
        };
        manual_seed(options.Seed);
        using var model = ChatGlmForConditionalGeneration.Create(config);
        ScaleInitialWeights(model);
        var args = new TrainingArguments
        {
            OutputDir = Path.Combine(building, "pretraining"), OverwriteOutputDir = true, MaxSteps = options.PretrainSteps,
            LearningRate = options.PretrainLearningRate, WarmupRatio = 0.05, LrSchedulerType = "cosine", WeightDecay = 0.01,
            LoggingSteps = Math.Max(1, options.PretrainSteps / 10), SaveStrategy = "no", Bf16 = options.Bf16, Seed = options.Seed, DisableTqdm = true,
        };
        var preprocessor = new SupervisedPreprocessor(tokenizer, new SftOptions { MaxSourceLength = 256, MaxTargetLength = 128 });
        var source = new SftBatchSource(tokenizer, pretraining.Select(preprocessor.ForTraining).ToList(), options.PretrainBatchSize, groupByLength: true);
        using (var trainer = new Trainer(model, args, FinetuningOptions.For(FinetuningType.Full), source, null, config.NameOrPath!))
        {
            var result = trainer.Train();
            log?.Invoke($"base model: pretrained {result.GlobalStep} steps in {result.Seconds:F0} s, loss {result.TrainLoss:F3}");
        }
        model.to(ScalarType.Float32);
        ModelExport.SavePretrained(model, building);
        File.WriteAllText(Path.Combine(building, ReadyMarker), JsonSerializer.Serialize(new { key, options.HiddenSize, options.NumLayers, options.PretrainSteps }));
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        Directory.Move(building, dir);
        log?.Invoke($"base model: saved to {dir}");
        return dir;
    }

    /// <summary>
    /// Block linears start at 3× the 0.02 std of ChatGLM's initialiser, the two projections back into the residual
    /// (attention.dense, mlp.dense_4h_to_h) at 9×. ChatGLM adds each branch to α·LN(x) with α = √56 whatever the
    /// depth (28 layers upstream), so at std 0.02 a 3-layer model's branches start at about 1% of the residual and
    /// it learns to attend only slowly: copying a one-character answer from the prompt took it over 300 steps
    /// (loss 0.6–0.7), against under 120 (loss 0.05) with these scales.
    /// </summary>
    private static void ScaleInitialWeights(ChatGlmForConditionalGeneration model)
    {
        using var _ = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (!name.Contains(".layers.") || !name.EndsWith(".weight") || parameter.dim() != 2) continue;
            bool output = name.EndsWith("attention.dense.weight") || name.EndsWith("mlp.dense_4h_to_h.weight");
            parameter.mul_(output ? 9.0 : 3.0);
        }
    }

    private static string Key(CompareOptions o, IReadOnlyList<string> sentences)
    {
        var text = new StringBuilder();
        text.Append($"v6|{o.HiddenSize}|{o.NumLayers}|{o.NumHeads}|{o.InnerHiddenSize}|{o.PretrainSteps}|{o.PretrainBatchSize}|{o.PretrainLearningRate}|{o.Bf16}|{o.Seed}|{o.TrainSentences}\n");
        foreach (var s in sentences) text.Append(s).Append('\n');
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16].ToLowerInvariant();
    }
}
