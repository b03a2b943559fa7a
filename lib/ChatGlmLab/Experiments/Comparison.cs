using System.Diagnostics;
using ChatGlmLab.Adapters;
using ChatGlmLab.Data.Instructions;
using ChatGlmLab.Data.ModelInputs;
using ChatGlmLab.Data.Ner;
using ChatGlmLab.Metrics;
using ChatGlmLab.Modeling;
using ChatGlmLab.Tokenization;
using ChatGlmLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Experiments;

/// <summary>
/// The seed's section-7 comparison, end to end: NER corpus → 3-turn records → base model (built and
/// pretrained, or given) → each method fine-tuned with the same data and budget → dev predictions →
/// BLEU-4 / ROUGE (the toolkit's metric), entity P/R/F1 (gold history and cascade, raw and grounded),
/// trainable %, peak memory, time → results.json, report.md, report.html.
/// </summary>
public static class Comparison
{
    public static ComparisonResult Run(CompareOptions options, Action<string>? log = null)
    {
        log ??= _ => { };
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(options.OutputDir);
        var builder = new NerInstructionBuilder();
        var parser = new NerAnswerParser();

        var allTrain = NerJson.Read(Path.Combine(options.DataDir, options.TrainFile)).Items;
        var trainExamples = Take(allTrain, options.TrainSentences);
        var devExamples = Take(NerJson.Read(Path.Combine(options.DataDir, options.DevFile)).Items, options.DevSentences);
        var trainRecords = builder.BuildAll(trainExamples).Select(r => r.Record).ToList();
        var devRecords = builder.BuildAll(devExamples).ToList();
        log($"data: {trainExamples.Count} train sentences → {trainRecords.Count} records; {devExamples.Count} dev sentences → {devRecords.Count} records");

        string baseDir = options.ModelNameOrPath ?? BaseModelRecipe.BuildOrLoad(options,
            allTrain.Select(e => e.Text).ToList(), trainRecords, log);
        var tokenizer = ChatGlm.TryLoadTokenizer(baseDir) ?? throw new FileNotFoundException($"no tokenizer in {baseDir}");
        var preprocessor = new SupervisedPreprocessor(tokenizer, new SftOptions { MaxSourceLength = options.MaxSourceLength, MaxTargetLength = options.MaxTargetLength });
        var trainInputs = trainRecords.Select(preprocessor.ForTraining).ToList();

        var results = new List<MethodResult>();
        results.Add(Evaluate("base", "none", "no fine-tuning", null, LoadBase(baseDir, options), null, options, preprocessor, builder, parser, devExamples, devRecords, log));
        foreach (var (method, lr) in options.Methods)
        {
            string name = FinetuningOptions.NameOf(method.Type);
            string dir = Path.Combine(options.OutputDir, name);
            ProcessMemory.ResetPeak();
            var model = LoadBase(baseDir, options with { Bf16 = false });
            var args = new TrainingArguments
            {
                OutputDir = dir, OverwriteOutputDir = true, MaxSteps = options.FinetuneSteps, LearningRate = lr, LrSchedulerType = "cosine",
                WarmupRatio = 0.05, LoggingSteps = Math.Max(1, options.FinetuneSteps / 20), SaveStrategy = "no", Bf16 = options.Bf16,
                Seed = options.Seed, DisableTqdm = true, PerDeviceTrainBatchSize = options.BatchSize,
            };
            var source = new SftBatchSource(tokenizer, trainInputs, options.BatchSize, shuffle: true, groupByLength: true);
            TrainResult train;
            using (var trainer = new Trainer(model, args, method, source, null, baseDir))
                train = trainer.Train();
            log($"{name}: {train.GlobalStep} steps in {train.Seconds:F0} s ({train.TokensPerSecond:F0} tok/s), loss {train.TrainLoss:F3}, {train.TrainableParameters}");
            results.Add(Evaluate(name, name, Describe(method), lr, model, train, options, preprocessor, builder, parser, devExamples, devRecords, log));
        }

        var result = new ComparisonResult
        {
            BaseModel = options.ModelNameOrPath ?? $"small ChatGLM (hidden {options.HiddenSize}, {options.NumLayers} layers, {options.NumHeads} heads, inner {options.InnerHiddenSize}), pretrained {options.PretrainSteps} steps: {baseDir}",
            TrainSentences = trainExamples.Count, TrainRecords = trainRecords.Count, DevSentences = devExamples.Count, DevRecords = devRecords.Count,
            FinetuneSteps = options.FinetuneSteps, BatchSize = options.BatchSize,
            Compute = options.Bf16 ? "bf16 compute, fp32 master weights" : "fp32",
            Decoding = options.Generation.Describe() + $", max_new_tokens {options.Generation.MaxNewTokens}",
            Machine = MachineDescription(), Seconds = clock.Elapsed.TotalSeconds, Methods = results,
        };
        ComparisonReport.Write(result, options.OutputDir);
        return result;
    }

    private static ChatGlmForConditionalGeneration LoadBase(string dir, CompareOptions options) =>
        ChatGlmForConditionalGeneration.FromPretrained(dir, new ModelLoadOptions { DType = options.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32 });

    private static MethodResult Evaluate(string name, string type, string settings, double? lr, ChatGlmForConditionalGeneration model, TrainResult? train,
        CompareOptions options, SupervisedPreprocessor preprocessor, NerInstructionBuilder builder, NerAnswerParser parser,
        IReadOnlyList<NerExample> devExamples, IReadOnlyList<NerInstructionRecord> devRecords, Action<string> log)
    {
        string dir = Path.Combine(options.OutputDir, name);
        Directory.CreateDirectory(dir);
        var clock = Stopwatch.StartNew();
        if (options.Bf16 && model.DType != ScalarType.BFloat16) model.to(ScalarType.BFloat16);
        model.eval();
        var predictor = new Predictor(model, preprocessor, options.Generation, options.EvalBatchSize);
        var records = devRecords.Select(r => r.Record).ToList();
        var predictions = predictor.Predict(records);
        var labels = records.Select(r => r.Output).ToList();
        Predictor.WritePredictions(Path.Combine(dir, "generated_predictions.jsonl"), labels, predictions);
        var generation = GenerationMetrics.Compute(predictions, labels).Corpus;
        var evaluation = new NerEvaluation(builder, parser);
        var gold = evaluation.GoldHistory(devExamples, devRecords, predictions);
        var cascade = evaluation.Cascade(devExamples, predictor);
        Trainer.WriteResults(dir, "predict", generation.ToDictionary("predict_"));
        double seconds = clock.Elapsed.TotalSeconds;
        log($"{name}: BLEU-4 {generation.Bleu4:F2}, ROUGE-L {generation.RougeL:F2}, entity F1 gold-history {gold.Micro.F1 * 100:F1}, " +
            $"cascade {cascade.Raw.Micro.F1 * 100:F1} (grounded {cascade.Grounded.Micro.F1 * 100:F1}) in {seconds:F0} s");

        var trainable = train?.TrainableParameters ?? TrainableParameters.Of(model) with { Trainable = 0 };
        var result = new MethodResult
        {
            Name = name, FinetuningType = type, Settings = settings, LearningRate = lr, Generation = generation,
            GoldHistory = gold, Cascade = cascade.Raw, CascadeGrounded = cascade.Grounded,
            TrainableParameters = trainable.Trainable, AllParameters = trainable.All, TrainablePercent = trainable.Percent,
            PeakResidentBytes = train?.PeakResidentBytes ?? ProcessMemory.PeakResidentBytes(),
            TrainSeconds = train?.Seconds ?? 0, TrainTokensPerSecond = train?.TokensPerSecond ?? 0, TrainLoss = train?.TrainLoss,
            LossHistory = train?.LossHistory ?? [], PredictSeconds = seconds,
            GeneratedTokensPerSentence = (double)cascade.GeneratedTokens / Math.Max(1, devExamples.Count) / 2, // cascade ran raw and grounded
            OutputDir = dir,
        };
        model.Dispose();
        return result;
    }

    private static string Describe(FinetuningOptions o) => o.Type switch
    {
        FinetuningType.Lora => $"rank {o.LoraRank}, alpha {o.LoraAlpha}, dropout {o.LoraDropout}, target {o.LoraTarget}",
        FinetuningType.PTuning => $"pre_seq_len {o.PreSeqLen}, prefix_projection {o.PrefixProjection.ToString().ToLowerInvariant()}",
        FinetuningType.Freeze => $"last {o.NumLayerTrainable} layer(s), {o.NameModuleTrainable}",
        FinetuningType.Full => "all parameters",
        _ => "",
    };

    private static IReadOnlyList<NerExample> Take(IReadOnlyList<NerExample> all, int count) => count > 0 && count < all.Count ? all.Take(count).ToList() : all;

    public static string MachineDescription()
    {
        string cpu = "unknown CPU";
        try { cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? cpu; } catch (IOException) { }
        return $"{cpu}, {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB, torch threads {get_num_threads()}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
    }
}
