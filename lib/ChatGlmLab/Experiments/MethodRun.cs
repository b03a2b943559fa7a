using System.Diagnostics;
using System.Text.Json;
using ChatGlmLab.Adapters;
using ChatGlmLab.Evaluation;
using ChatGlmLab.Metrics;
using ChatGlmLab.ModelInputs;
using ChatGlmLab.Modeling;
using ChatGlmLab.Runtime;
using ChatGlmLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Experiments;

/// <summary>
/// One column of the comparison: fine-tune one method on the base model with the experiment's data and
/// budget, then evaluate it on dev (BLEU-4 / ROUGE, entity F1 with gold history and as a cascade, raw and
/// grounded, trainable share, memory, time). The comparison runs this per method; the single-method
/// notebooks and the studies call it directly. Each run leaves in OutputDir/name the fine-tuning
/// checkpoint (loadable with checkpoint_dir), generated_predictions.jsonl, the toolkit's result files,
/// and <see cref="ResultFile"/>, so results made elsewhere (e.g. by the CLI on a GPU) can be read back.
/// </summary>
public static class MethodRun
{
    public const string ResultFile = "method_result.json";

    /// <summary>The base model without fine-tuning (the comparison's first column).</summary>
    public static MethodResult Base(ExperimentData data, Action<string>? log = null) =>
        Evaluate(data, "base", "none", "no fine-tuning", null, data.LoadBase(), null, log);

    /// <summary>Fine-tunes <paramref name="method"/> and evaluates it; <paramref name="name"/> defaults to the method's finetuning_type.</summary>
    public static MethodResult FineTune(ExperimentData data, FinetuningOptions method, double learningRate, string? name = null, Action<string>? log = null)
    {
        name ??= FinetuningOptions.NameOf(method.Type);
        var (model, train) = Train(data, method, learningRate, name, data.TrainInputs, log);
        return Evaluate(data, name, FinetuningOptions.NameOf(method.Type), Describe(method), learningRate, model, train, log);
    }

    /// <summary>
    /// Fine-tunes a fresh float32 copy of the base model as <see cref="CompareOptions.Finetune"/> says (budget, schedule;
    /// bf16 compute with fp32 master weights when it says bf16) on <paramref name="inputs"/>; the trainer saves the checkpoint to OutputDir/name. The caller owns the returned model.
    /// </summary>
    public static (ChatGlmForConditionalGeneration Model, TrainResult Train) Train(ExperimentData data, FinetuningOptions method, double learningRate,
        string name, IReadOnlyList<TokenizedExample> inputs, Action<string>? log = null)
    {
        var options = data.Options;
        var recipe = options.Finetune;
        ProcessMemory.ResetPeak();
        var model = data.LoadBase(forTraining: true);
        var args = new TrainingArguments
        {
            OutputDir = Path.Combine(options.OutputDir, name), OverwriteOutputDir = true, MaxSteps = recipe.Steps, LearningRate = learningRate,
            LrSchedulerType = recipe.LrSchedulerType, WarmupRatio = recipe.WarmupRatio, LoggingSteps = Math.Max(1, recipe.Steps / recipe.LogPoints),
            SaveStrategy = "no", Bf16 = options.ComputesInBf16(), Seed = options.Seed, DisableTqdm = true, PerDeviceTrainBatchSize = recipe.BatchSize,
        };
        var source = new SftBatchSource(data.Tokenizer, inputs, recipe.BatchSize, shuffle: true, groupByLength: true);
        TrainResult train;
        using (var trainer = new Trainer(model, args, method, source, null, data.BaseModelDir))
            train = trainer.Train();
        log?.Invoke($"{name}: {train.GlobalStep} steps in {train.Seconds:F0} s ({train.TokensPerSecond:F0} tok/s), loss {train.TrainLoss:F3}, {train.TrainableParameters}");
        return (model, train);
    }

    /// <summary>
    /// Evaluates <paramref name="model"/> on the dev set and disposes it. The model is cast to bf16 first when the
    /// options compute in bf16 and it is a float model (quantized models are evaluated as loaded).
    /// </summary>
    public static MethodResult Evaluate(ExperimentData data, string name, string type, string settings, double? learningRate,
        ChatGlmForConditionalGeneration model, TrainResult? train, Action<string>? log = null)
    {
        log ??= _ => { };
        var options = data.Options;
        string dir = Path.Combine(options.OutputDir, name);
        Directory.CreateDirectory(dir);
        var clock = Stopwatch.StartNew();
        if (options.ComputesInBf16() && model.DType == ScalarType.Float32 && model.Config.QuantizationBit == null) model.to(ScalarType.BFloat16);
        model.eval();
        var predictor = new Predictor(model, data.Preprocessor, options.Generation, options.EvalBatchSize);
        var records = data.DevRecords.Select(r => r.Record).ToList();
        var predictions = predictor.Predict(records);
        var labels = records.Select(r => r.Output).ToList();
        GeneratedPredictionsFile.Write(Path.Combine(dir, "generated_predictions.jsonl"), labels, predictions);
        var generation = GenerationMetrics.Compute(predictions, labels).Corpus;
        var evaluation = new NerEvaluation(data.Builder, data.Parser);
        var gold = evaluation.GoldHistory(data.DevExamples, data.DevRecords, predictions);
        var cascade = evaluation.Cascade(data.DevExamples, predictor);
        Trainer.WriteResults(dir, "predict", generation.ToDictionary("predict_"));
        double seconds = clock.Elapsed.TotalSeconds;
        log($"{name}: BLEU-4 {generation.Bleu4:F2}, ROUGE-L {generation.RougeL:F2}, entity F1 gold-history {gold.Micro.F1 * 100:F1}, " +
            $"cascade {cascade.Raw.Micro.F1 * 100:F1} (grounded {cascade.Grounded.Micro.F1 * 100:F1}) in {seconds:F0} s");
        if (predictor.CutNote() is { } cut) log($"{name}: {cut}");

        var trainable = train?.TrainableParameters ?? TrainableParameters.Of(model) with { Trainable = 0 };
        var result = new MethodResult
        {
            Name = name, FinetuningType = type, Settings = settings, LearningRate = learningRate, Generation = generation,
            GoldHistory = gold, Cascade = cascade.Raw, CascadeGrounded = cascade.Grounded,
            TrainableParameters = trainable.Trainable, AllParameters = trainable.All, TrainablePercent = trainable.Percent,
            PeakResidentBytes = train?.PeakResidentBytes ?? ProcessMemory.PeakResidentBytes(),
            TrainSeconds = train?.Seconds ?? 0, TrainTokensPerSecond = train?.TokensPerSecond ?? 0, TrainLoss = train?.TrainLoss,
            LossHistory = train?.LossHistory ?? [], PredictSeconds = seconds,
            PredictTokensPerSecond = predictor.GeneratedTokens / Math.Max(1e-9, seconds),
            GeneratedTokensPerSentence = (double)cascade.GeneratedTokens / Math.Max(1, data.DevExamples.Count) / 2, // cascade ran raw and grounded
            OutputDir = dir,
        };
        model.Dispose();
        File.WriteAllText(Path.Combine(dir, ResultFile), JsonSerializer.Serialize(result, ComparisonReport.Json) + "\n");
        return result;
    }

    /// <summary>A method run written earlier (by a notebook, the CLI or another machine).</summary>
    public static MethodResult Read(string dir) =>
        JsonFile.Deserialize<MethodResult>(Path.Combine(dir, ResultFile), ComparisonReport.Json);

    public static string Describe(FinetuningOptions o) => o.Type switch
    {
        FinetuningType.Lora => $"rank {o.LoraRank}, alpha {o.LoraAlpha}, dropout {o.LoraDropout}, target {o.LoraTarget}",
        FinetuningType.PTuning => $"pre_seq_len {o.PreSeqLen}, prefix_projection {o.PrefixProjection.ToString().ToLowerInvariant()}",
        FinetuningType.Freeze => $"{o.TrainableLayers} layer(s), {o.NameModuleTrainable}",
        FinetuningType.Full => "all parameters",
        _ => "",
    };
}
