using System.Diagnostics;
using ChatGlmLab.Adapters;
using ChatGlmLab.Datasets;
using ChatGlmLab.Distributed;
using ChatGlmLab.Evaluation;
using ChatGlmLab.Generation;
using ChatGlmLab.ModelInputs;
using ChatGlmLab.Modeling;
using ChatGlmLab.Runtime;
using ChatGlmLab.Training;
using static TorchSharp.torch;

namespace ChatGlmLab.Cli.Commands;

/// <summary>
/// The toolkit's <c>python src/finetune.py</c>: <c>train</c> with --do_train [--do_eval] [--do_predict
/// --predict_with_generate]; <c>predict</c> is the same run with --do_predict and no training (the seed's
/// 4.2 inference command). With --do_train, evaluation and prediction use the dev split of --dev_ratio;
/// without it they use the whole --dataset (the toolkit's split_dataset).
/// </summary>
public static class TrainCommand
{
    public static ArgumentSpec Spec(string command) =>
        new ArgumentSpec(command, typeof(ModelArguments), typeof(FinetuningOptions), typeof(TrainingArguments),
                typeof(DataArguments), typeof(GenerationArguments))
            .Alias("max_train_samples", "max_samples");

    public static int Run(string[] args, CliContext context) => Execute("train", args, context);

    public static int Execute(string command, string[] args, CliContext context)
    {
        var given = Spec(command).Parse(args);
        var modelArgs = given.Bind<ModelArguments>();
        var finetuning = given.Bind<FinetuningOptions>();
        var training = given.Bind<TrainingArguments>();
        var data = given.Bind<DataArguments>();
        var generation = given.Bind<GenerationArguments>();
        var output = context.Stdout;
        var world = ProcessGroup.Current;

        if (command == "predict")
        {
            if (training.DoTrain)
                throw new CliUsageException("predict does not train; use 'chatglm-lab train --do_train ...' (add --do_predict --predict_with_generate to predict afterwards)");
            // predict always generates; the flags are accepted so the toolkit's command line works unchanged.
            training = training with { DoPredict = true };
            data = data with { PredictWithGenerate = true };
        }
        else if (!training.DoTrain && !training.DoEval && !training.DoPredict)
            throw new CliUsageException("train needs --do_train (optionally with --do_eval and/or --do_predict --predict_with_generate)");

        ModelSetup.CheckModelArguments(modelArgs);
        ModelSetup.CheckFinetuningArguments(given, finetuning, modelArgs);
        ModelSetup.CheckTrainingArguments(training, modelArgs);
        data.Validate();
        ModelSetup.CheckDatasets(data);
        bool evaluates = training.DoEval || training.EvaluationStrategy != "no";
        if (training.DoPredict && !data.PredictWithGenerate)
            throw new CliUsageException("--do_predict needs --predict_with_generate (this kit predicts by generating answers)");
        if (training.DoTrain && (evaluates || training.DoPredict) && data.DevRatio <= 0)
            throw new CliUsageException("with --do_train, evaluation and prediction use the dev split: give --dev_ratio (e.g. 0.01)");
        if (training.DoTrain && training.ResumeFromCheckpoint == null
            && OutputDirectory.RefusalToWriteInto(training.OutputDir, training.OverwriteOutputDir, alternative: "--resume_from_checkpoint to continue the run") is { } refusal)
            throw new CliUsageException(refusal);
        // Training saves weights into output_dir (full fine-tuning a whole pytorch_model.bin, an adapter its adapter_model.bin):
        // not into the model or a checkpoint it starts from, even with --overwrite_output_dir. Predictions alone may go there.
        if (training.DoTrain && modelArgs.RefusalToWriteOver(training.OutputDir, "--") is { } overInput)
            throw new CliUsageException(overInput);

        // Data: the registry's datasets, max_samples each; a dev split only when training.
        var split = InstructionDatasetLoader.Load(new InstructionDatasetRequest(data.Dataset!)
        {
            DatasetDir = data.DatasetDir, MaxSamples = data.MaxSamples, DevRatio = training.DoTrain ? data.DevRatio : 0, Seed = (ulong)training.Seed,
        });
        // A file that gave nothing is named first, in one line (not its skipped records one by one): then max_samples and
        // dev_ratio are not what to check.
        if (split.Reports.FirstOrDefault(r => r.RecordsKept == 0) is { } emptyFile)
            throw new CliUsageException(emptyFile.RecordsRead == 0
                ? $"{emptyFile.FilePath} holds no records (an empty file?); give --dataset a file with instruction records"
                : $"{emptyFile.FilePath}: none of its {emptyFile.RecordsRead} records was kept ({emptyFile.SkipReasonCounts().Keys.FirstOrDefault()}); check the file and its \"columns\" in dataset_info.json");
        foreach (var warning in split.Warnings) context.Stderr.WriteLine($"warning: {warning}");
        foreach (var report in split.Reports.Where(r => r.RecordsSkipped > 0)) context.Stderr.WriteLine(report.Summary());
        IReadOnlyList<InstructionRecord> evalRecords = training.DoTrain ? split.Dev : split.Train;
        if (data.MaxEvalSamples is { } maxEval) evalRecords = evalRecords.Take(maxEval).ToList();
        // A sentence whose 3-turn records max_eval_samples cut short is left out of entity scoring.
        int completeSentenceRecords = training.DoTrain ? evalRecords.Count : PredictionScoring.CompleteSentenceRecords(split.Train, evalRecords.Count);
        output.WriteLine(training.DoTrain
            ? $"data: {split.Train.Count} training records, {split.Dev.Count} dev records (dev_ratio {data.DevRatio}) from {data.Dataset}"
            : $"data: {evalRecords.Count} records from {data.Dataset}");
        if (training.DoTrain && split.Train.Count == 0) throw new CliUsageException("no training records left (check --max_samples / --dev_ratio)");
        if (!training.DoTrain && evalRecords.Count == 0) throw new CliUsageException($"--dataset {data.Dataset} has no records");

        var tokenizer = ModelSetup.LoadTokenizer(modelArgs.ModelNameOrPath);
        var preprocessor = new SupervisedPreprocessor(tokenizer, data.ToSftOptions());
        // Tokenized examples are cached beside the datasets (or in --cache_dir); --overwrite_cache rebuilds them.
        var cache = new PreprocessingCache(data.PreprocessingCacheDir, data.OverwriteCache, output.WriteLine);
        // Without training: float32 unless bf16 is asked for (fp16 matmuls are not a CPU path), checkpoints merged.
        var inferenceDType = training.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
        using var model = training.DoTrain
            ? ModelSetup.LoadForTraining(modelArgs, finetuning, training)
            : ChatGlm.LoadPretrained(modelArgs with { DType = inferenceDType }).Model;
        output.WriteLine($"model: {modelArgs.ModelNameOrPath}" + (modelArgs.CheckpointDir is { } c ? $" + {c}" : "") +
                         (modelArgs.QuantizationBit is { } bits ? $" (int{bits})" : ""));

        SftBatchSource? EvalSource() => evaluates
            ? new SftBatchSource(tokenizer, cache.GetOrBuild(preprocessor, evalRecords, SftExampleKind.Training), training.PerDeviceEvalBatchSize, shuffle: false)
            : null;
        if (training.DoTrain)
        {
            var trainSource = new SftBatchSource(tokenizer, cache.GetOrBuild(preprocessor, split.Train, SftExampleKind.Training), training.PerDeviceTrainBatchSize, shuffle: true);
            using var trainer = new Trainer(model, training, finetuning, trainSource, EvalSource(), modelArgs.ModelNameOrPath) { Info = output.WriteLine };
            var p = trainer.TrainableParameters;
            output.WriteLine($"trainable params: {p.Trainable:N0} || all params: {p.All:N0} || trainable%: {p.Percent:F4}");
            if (world.IsDistributed)
                output.WriteLine($"data-parallel: {world.Size} processes (MPI); global batch {training.PerDeviceTrainBatchSize} per device × {world.Size} × " +
                                 $"{training.GradientAccumulationSteps} accumulation = {training.PerDeviceTrainBatchSize * world.Size * training.GradientAccumulationSteps}");
            InjectRankFailure(trainer, context);
            var result = trainer.Train();
            output.WriteLine($"train: {result.Summary()}");
            if (training.DoEval && world.IsMain)
                output.WriteLine($"eval: eval_loss {trainer.Evaluate().EvalLoss:F4} on {evalRecords.Count} dev records");
            output.WriteLine($"trained {FinetuningOptions.NameOf(finetuning.Type)} weights, {FinetuningOptions.FileName}, {TrainingArguments.FileName}, " +
                             $"trainer_log.jsonl, trainer_state.json, train_results.json: {Path.GetFullPath(training.OutputDir)}");
        }
        else if (training.DoEval && world.IsMain)
        {
            // Evaluation only: nothing is trained, the loss of the loaded (merged) model on the records.
            using var trainer = new Trainer(model, training, FinetuningOptions.For(FinetuningType.None), null, EvalSource(), modelArgs.ModelNameOrPath);
            output.WriteLine($"eval: eval_loss {trainer.Evaluate().EvalLoss:F4} on {evalRecords.Count} records");
            output.WriteLine($"eval_results.json: {Path.GetFullPath(Path.Combine(training.OutputDir, "eval_results.json"))}");
        }

        // Data-parallel: the model is the same on every rank after training; rank 0 predicts (as it evaluates).
        if (training.DoPredict && world.IsMain)
        {
            // The toolkit's gen_kwargs: sampling, top_p 0.7, temperature 0.95, max_target_length + 1 new tokens.
            var options = generation.Apply(GenerationOptions.ToolkitSampling(data.MaxTargetLength + 1), training.Seed);
            var evaluationExamples = cache.GetOrBuild(preprocessor, evalRecords, SftExampleKind.Evaluation);
            Predict(model, preprocessor, options, evalRecords, completeSentenceRecords, training, context, evaluationExamples);
        }
        return CliApp.Ok;
    }

    /// <summary>Test-only: CHATGLMLAB_TEST_RANK_EXIT="rank:step" makes that rank exit abruptly after that update (a crashed process).</summary>
    public const string RankExitVariable = "CHATGLMLAB_TEST_RANK_EXIT";

    private static void InjectRankFailure(Trainer trainer, CliContext context)
    {
        if (Environment.GetEnvironmentVariable(RankExitVariable) is not { } spec) return;
        var parts = spec.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int rank) || !int.TryParse(parts[1], out int step))
            throw new CliUsageException($"{RankExitVariable}='{spec}' is not rank:step");
        if (rank != ProcessGroup.Current.Rank) return;
        trainer.StepCompleted += s =>
        {
            if (s.GlobalStep != step) return;
            context.Stderr.WriteLine($"rank {rank} exits at step {step} ({RankExitVariable})");
            context.Stderr.Flush();
            Environment.Exit(3);   // no MPI_Finalize, no MPI_Abort: what a killed or crashed process looks like to the others
        };
    }

    public static void Predict(ChatGlmForConditionalGeneration model, SupervisedPreprocessor preprocessor, GenerationOptions options,
        IReadOnlyList<InstructionRecord> records, int completeSentenceRecords, TrainingArguments training, CliContext context,
        IReadOnlyList<TokenizedExample>? evaluationExamples = null)
    {
        var output = context.Stdout;
        string outputDir = training.OutputDir;
        Directory.CreateDirectory(outputDir);
        output.WriteLine($"predict: {records.Count} records, {options.Describe()}, max_new_tokens {options.MaxNewTokens?.ToString() ?? "-"}");
        var clock = Stopwatch.StartNew();
        var predictor = new Predictor(model, preprocessor, options, training.PerDeviceEvalBatchSize);
        var predictions = predictor.Predict(records, (done, total) => context.Stderr.Write($"\rpredict: {done}/{total}"), evaluationExamples);
        context.Stderr.WriteLine();
        double seconds = clock.Elapsed.TotalSeconds;
        var labels = records.Select(r => r.Output).ToList();

        string predictionsPath = Path.Combine(outputDir, "generated_predictions.jsonl");
        GeneratedPredictionsFile.Write(predictionsPath, labels, predictions);
        var scores = PredictionScoring.Score(labels, predictions, "predict_", records.Take(completeSentenceRecords).ToList());
        // HF's predict metrics also carry runtime and throughput.
        scores.Metrics["predict_samples"] = records.Count;
        scores.Metrics["predict_runtime"] = Math.Round(seconds, 4);
        scores.Metrics["predict_samples_per_second"] = Math.Round(records.Count / Math.Max(seconds, 1e-9), 3);
        Trainer.WriteResults(outputDir, "predict", scores.Metrics);
        PredictionScoring.PrintMetrics(output, scores.Metrics);
        output.WriteLine(scores.EntityNote);
        output.WriteLine($"generated {predictor.GeneratedTokens} tokens in {seconds:F1} s ({predictor.GeneratedTokens / Math.Max(seconds, 1e-9):F2} tokens/s, prefill included)");
        if (predictor.CutNote() is { } cut) output.WriteLine($"note: {cut}");
        output.WriteLine($"predictions: {Path.GetFullPath(predictionsPath)}");
        output.WriteLine($"metrics:     {Path.GetFullPath(Path.Combine(outputDir, "predict_results.json"))}");
        if (scores.Entities != null)
        {
            string entityPath = Path.Combine(outputDir, PredictionScoring.EntityScoresFile);
            PredictionScoring.WriteEntityScores(entityPath, scores.Entities);
            output.WriteLine($"entities:    {Path.GetFullPath(entityPath)}");
        }
    }
}
