using System.Diagnostics;
using System.Text.Json;
using ChatGlmLab.Adapters;
using ChatGlmLab.Checkpoints;
using ChatGlmLab.Distributed;
using ChatGlmLab.ModelInputs;
using ChatGlmLab.Modeling;
using ChatGlmLab.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Training;

/// <summary>
/// The training loop of HF's Trainer as the Python toolkit used it: AdamW over the trainable
/// parameters (float32 masters), HF's LR schedules, gradient accumulation and clipping, logging /
/// evaluation / checkpointing every n steps or per epoch, exact resume, and the toolkit's output
/// files (trainer_log.jsonl, trainer_state.json, *_results.json, TensorBoard events, loss plots).
/// Every micro-batch and every update runs in its own dispose scope, so memory stays flat.
/// <para>
/// Started by mpirun it is DDP's data-parallel training (<see cref="ProcessGroup"/>): the trainable parameters are
/// broadcast from rank 0, each rank trains on its shard of every global batch, the gradients are averaged over the
/// ranks once per update (so every rank applies the same update), and rank 0 alone writes logs, checkpoints and
/// results. Evaluation runs on rank 0 over the whole evaluation set.
/// </para>
/// </summary>
public sealed class Trainer : IDisposable
{
    public const string OptimizerFile = "optimizer.pt";
    public const string SchedulerFile = "scheduler.json";

    private readonly ChatGlmForConditionalGeneration _model;
    private readonly IBatchSource? _trainSource;
    private readonly IBatchSource? _evalSource;
    private readonly string _baseModelNameOrPath;
    private readonly List<TrainableParameter> _parameters = [];
    private readonly AdamW _optimizer;
    private readonly DynamicLossScaler? _lossScaler;
    private readonly long _nonEmbeddingParameters;
    private readonly ProcessGroup _world = ProcessGroup.Current;

    private TrainerLogWriter? _log;
    private TensorBoardLogger? _tensorBoard;
    private Stopwatch _runClock = new();
    private int _stepsThisRun;

    public TrainingArguments Args { get; }
    public FinetuningOptions FinetuningOptions { get; }
    /// <summary>Trainable/all parameter counts (the toolkit's "trainable params" line).</summary>
    public TrainableParameters TrainableParameters { get; }
    public TrainerState State { get; private set; } = new();
    /// <summary>The dtype the model computes in (bf16/fp16 when asked for, else as loaded).</summary>
    public ScalarType ComputeType => _model.DType;

    /// <summary>Raised after every optimizer update (after its logging, evaluation and checkpoint).</summary>
    public event Action<TrainerStepInfo>? StepCompleted;

    /// <summary>
    /// Extra metrics for every evaluation (e.g. generation scores computed by the evaluation
    /// orchestration); keys are prefixed with "eval_" when they are not already.
    /// </summary>
    public Func<IReadOnlyDictionary<string, double>>? AdditionalEvaluation { get; set; }

    /// <summary>Where the trainer says what it does besides the progress bar ("resumed from checkpoint-N ..."); the console by default.</summary>
    public Action<string> Info { get; set; } = Console.WriteLine;

    /// <summary>Test hook: called after each part of a checkpoint is written (before the folder is renamed into place).</summary>
    internal Action<string>? CheckpointPartWritten { get; set; }

    /// <param name="model">The base model; the fine-tuning method is applied to it here (idempotent) and, with bf16/fp16, it is cast for compute.</param>
    /// <param name="trainingArgs">The run's arguments (HF TrainingArguments); validated here, and they seed the run.</param>
    /// <param name="finetuningOptions">The fine-tuning method and its settings (LoRA, P-Tuning, Freeze, full or none); decides which parameters train.</param>
    /// <param name="trainSource">Training batches (null when only evaluating).</param>
    /// <param name="evalSource">Evaluation batches (null: no evaluation).</param>
    /// <param name="baseModelNameOrPath">Recorded in saved adapters (PEFT's base_model_name_or_path).</param>
    public Trainer(ChatGlmForConditionalGeneration model, TrainingArguments trainingArgs, FinetuningOptions finetuningOptions,
        IBatchSource? trainSource, IBatchSource? evalSource, string baseModelNameOrPath)
    {
        trainingArgs.Validate();
        _model = model;
        Args = trainingArgs;
        FinetuningOptions = finetuningOptions;
        _trainSource = trainSource;
        _evalSource = evalSource;
        _baseModelNameOrPath = baseModelNameOrPath;

        // HF seeds when the trainer is created (set_seed in its __init__): adapter initialisation and
        // dropout then follow from the seed, so two runs with the same arguments are the same run.
        manual_seed(trainingArgs.Seed);
        TrainableParameters = FineTuning.Prepare(model, finetuningOptions);
        var computeType = MixedPrecision.ComputeType(trainingArgs);
        var originals = computeType is { } dtype ? MixedPrecision.CastForCompute(model, dtype) : [];
        var noDecay = WeightDecayGroups.NoDecayNames(model);
        foreach (var (name, p) in model.named_parameters())
            if (p.requires_grad)
                _parameters.Add(new TrainableParameter(name, p, !noDecay.Contains(name), originals.GetValueOrDefault(name)));
        foreach (var t in originals.Values) t.Dispose();
        if (_parameters.Count == 0 && trainSource != null && finetuningOptions.Type != FinetuningType.None)
            throw new InvalidOperationException("the model has no trainable parameters");

        // DDP starts every rank from rank 0's values (adapters initialised alike anyway: the same seed on every rank).
        if (_world.IsDistributed)
        {
            _world.Broadcast(_parameters.Select(p => p.Master).ToList());
            foreach (var p in _parameters) p.CopyMasterToParameter();
        }
        _optimizer = AdamW.For(_parameters, trainingArgs);
        if (trainingArgs.Fp16) _lossScaler = new DynamicLossScaler();
        _nonEmbeddingParameters = TrainableParameters.All - model.transformer.word_embeddings.weight.numel();
    }

    /// <summary>Trains to max_steps / num_train_epochs and writes the outputs; cancellation stops after the current update without saving.</summary>
    public TrainResult Train(CancellationToken cancellation = default)
    {
        var source = _trainSource ?? throw new InvalidOperationException("no training data (trainSource is null)");
        if (_world.IsDistributed) source = source.ForShard(new DataParallelShard(_world.Rank, _world.Size));
        if (Args.EvaluationStrategy != "no" && _evalSource == null)
            throw new InvalidOperationException($"evaluation_strategy is '{Args.EvaluationStrategy}' but there is no evaluation data (evalSource is null)");
        var run = StartRun(source);
        int startEpoch = run.StartStep / run.Plan.UpdatesPerEpoch;
        // Resuming: the updates of the start epoch done before the checkpoint are skipped, batch for batch.
        int updatesDoneInStartEpoch = run.StartStep % run.Plan.UpdatesPerEpoch;
        bool done = State.GlobalStep >= run.Plan.MaxSteps;
        _model.train();
        var previousRunner = _model.transformer.LayerRunner;
        _model.transformer.LayerRunner = Args.GradientCheckpointing ? GradientCheckpointing.Run : null;
        try
        {
            for (int epoch = startEpoch; epoch < run.Plan.NumEpochs && !done; epoch++)
            {
                done = TrainEpoch(source, run, epoch, skip: epoch == startEpoch ? updatesDoneInStartEpoch * run.Plan.Accumulation : 0, cancellation);
                if (Args.EvaluationStrategy == "epoch") run.EvalMetrics = EvaluateAndLog();
                if (Args.SaveStrategy == "epoch") run.LastCheckpoint = SaveCheckpoint(run.EvalMetrics);
            }
        }
        finally
        {
            _model.transformer.LayerRunner = previousRunner;
        }
        run.Bar.Finish();
        return FinishRun(run, _runClock.Elapsed.TotalSeconds);
    }

    /// <summary>What one call of <see cref="Train"/> carries from step to step.</summary>
    private sealed class Run(StepPlan plan, LearningRateSchedule schedule, ConsoleProgressBar bar, int startStep)
    {
        public StepPlan Plan { get; } = plan;
        public LearningRateSchedule Schedule { get; } = schedule;
        public ConsoleProgressBar Bar { get; } = bar;
        public int StartStep { get; } = startStep;
        public List<StepLoss> History { get; } = [];
        public long Tokens, Rows;
        /// <summary>This rank's tokens, rows and flos of the update under way (summed over the ranks when it completes).</summary>
        public double StepTokens, StepRows, StepFlos;
        public double LossSinceLog;
        public int StepsSinceLog;
        /// <summary>Named in the error when the loss stops being finite.</summary>
        public string? LastCheckpoint;
        /// <summary>The evaluation of the current update (or epoch end), for the checkpoint's best-model bookkeeping.</summary>
        public IReadOnlyDictionary<string, double>? EvalMetrics;
    }

    /// <summary>Setup: output_dir checks, the step plan, the trainer state (restored when resuming), logs and clocks.</summary>
    private Run StartRun(IBatchSource source)
    {
        string outputDir = Args.OutputDir;
        string? resumeDir = ResolveResumeCheckpoint();
        CheckOutputDir(resumeDir);
        _world.Barrier();   // every rank has checked output_dir before rank 0 creates it
        if (_world.IsMain)
        {
            Directory.CreateDirectory(outputDir);
            TrainingCheckpoints.RemoveIncomplete(outputDir);
        }

        var plan = StepPlan.For(source.BatchCount, Args);
        var schedule = LearningRateSchedule.For(Args, plan.MaxSteps);
        State = new TrainerState { MaxSteps = plan.MaxSteps, NumTrainEpochs = plan.NumEpochs };
        if (resumeDir != null)
        {
            Resume(resumeDir);
            string checkpoint = Path.GetFileName(Path.TrimEndingDirectorySeparator(resumeDir));
            // HF would log and finish with nothing trained (train_loss 0 in fresh results files): refuse instead, before anything is written.
            if (State.GlobalStep >= plan.MaxSteps)
                throw new InvalidOperationException(
                    $"nothing to train: {checkpoint} is already at step {State.GlobalStep} >= max_steps {plan.MaxSteps}; " +
                    $"raise max_steps (or num_train_epochs) above {State.GlobalStep} to continue, or use {resumeDir} as it is");
            Info($"resumed from {checkpoint} (step {State.GlobalStep} of {plan.MaxSteps})");
        }

        if (_world.IsMain)
        {
            // Resuming, the log is the checkpoint's history (what a killed run logged after it is dropped), then this run's steps.
            _log = resumeDir == null ? TrainerLogWriter.StartFresh(outputDir) : TrainerLogWriter.ContinueFrom(outputDir, State.LogHistory, plan.MaxSteps);
            _tensorBoard ??= new TensorBoardLogger(Args.LoggingDir ?? TensorBoardLogger.DefaultLogDir(outputDir));
        }
        var bar = new ConsoleProgressBar(plan.MaxSteps, State.GlobalStep, Args.DisableTqdm || !_world.IsMain);
        ProcessMemory.ResetPeak();
        _runClock = Stopwatch.StartNew();
        _stepsThisRun = 0;
        return new Run(plan, schedule, bar, State.GlobalStep) { LastCheckpoint = resumeDir ?? TrainingCheckpoints.Latest(outputDir) };
    }

    /// <summary>One epoch's batches: accumulate micro-batches, update every accumulation steps. True when max_steps is reached.</summary>
    private bool TrainEpoch(IBatchSource source, Run run, int epoch, int skip, CancellationToken cancellation)
    {
        var plan = run.Plan;
        using var batchIterator = source.Batches(epoch, Args.Seed).GetEnumerator();
        double stepLoss = 0;
        run.EvalMetrics = null;
        for (int i = 0; i < plan.BatchesPerEpoch; i++)
        {
            int stepStart = i / plan.Accumulation * plan.Accumulation;
            int microBatchesInStep = Math.Min(plan.Accumulation, plan.BatchesPerEpoch - stepStart);
            using (var scope = NewDisposeScope())
            {
                // The batch is created inside the scope, so its tensors go with it.
                if (!batchIterator.MoveNext())
                    throw new InvalidDataException($"the training source yielded {i} batches in epoch {epoch} but reports {plan.Batches}");
                if (i < skip) continue;   // resuming: these batches were trained on before the checkpoint
                stepLoss += TrainMicroBatch(batchIterator.Current, run, microBatchesInStep, epoch, i) / microBatchesInStep;
            }
            if (i + 1 - stepStart < microBatchesInStep) continue;

            CompleteUpdate(run, stepLoss, epoch, i);
            stepLoss = 0;
            cancellation.ThrowIfCancellationRequested();
            if (State.GlobalStep >= plan.MaxSteps) return true;
        }
        return false;
    }

    /// <summary>Forward and backward of one micro-batch; stops the run on a loss that is not finite, naming the last good checkpoint.</summary>
    private double TrainMicroBatch(TrainingBatch batch, Run run, int microBatchesInStep, int epoch, int batchIndex)
    {
        double loss = ForwardBackward(batch, microBatchesInStep);
        if (!double.IsFinite(loss))
        {
            run.Bar.Finish();
            throw new NonFiniteLossException(
                $"Training stopped: the loss is {loss} at step {State.GlobalStep + 1} (epoch {epoch}, batch {batchIndex}). " +
                (run.LastCheckpoint != null
                    ? $"The last good checkpoint is {run.LastCheckpoint}; resume from it with a lower learning_rate, or check the data."
                    : "No checkpoint was saved before it; lower learning_rate or check the data."),
                State.GlobalStep + 1, loss, run.LastCheckpoint);
        }
        run.StepTokens += batch.Tokens;
        run.StepRows += batch.Rows;
        run.StepFlos += 6.0 * batch.Tokens * _nonEmbeddingParameters;
        return loss;
    }

    /// <summary>The optimizer update that ends an accumulation, then logging, evaluation and the checkpoint due at this step.</summary>
    private void CompleteUpdate(Run run, double stepLoss, int epoch, int batchIndex)
    {
        double learningRate = run.Schedule.LearningRateAt(State.GlobalStep);
        OptimizerStep(learningRate);
        // The step's loss is the mean over the ranks (what HF logs); tokens, rows and flos are the whole world's.
        var step = new[] { stepLoss, run.StepTokens, run.StepRows, run.StepFlos };
        _world.SumInPlace(step);
        stepLoss = step[0] / _world.Size;
        run.Tokens += (long)step[1];
        run.Rows += (long)step[2];
        State.TotalFlos += step[3];
        run.StepTokens = run.StepRows = run.StepFlos = 0;
        State.GlobalStep++;
        _stepsThisRun++;
        State.Epoch = epoch + (double)(batchIndex + 1) / run.Plan.BatchesPerEpoch;
        run.History.Add(new StepLoss(State.GlobalStep, stepLoss, learningRate));
        run.LossSinceLog += stepLoss;
        run.StepsSinceLog++;
        double nextLearningRate = run.Schedule.LearningRateAt(State.GlobalStep);

        if (State.GlobalStep % Args.LoggingSteps == 0 || (Args.LoggingFirstStep && State.GlobalStep == 1))
        {
            // HF logs the mean loss since the last log, rounded to 4 digits, and the rate of the next update.
            Log(new() { ["loss"] = Math.Round(run.LossSinceLog / run.StepsSinceLog, 4), ["learning_rate"] = nextLearningRate });
            run.LossSinceLog = 0;
            run.StepsSinceLog = 0;
        }
        run.EvalMetrics = null;
        if (Args.EvaluationStrategy == "steps" && State.GlobalStep % Args.EffectiveEvalSteps == 0)
            run.EvalMetrics = EvaluateAndLog();
        if (Args.SaveStrategy == "steps" && State.GlobalStep % Args.SaveSteps == 0)
            run.LastCheckpoint = SaveCheckpoint(run.EvalMetrics);

        run.Bar.Update(State.GlobalStep, stepLoss, nextLearningRate, force: State.GlobalStep >= run.Plan.MaxSteps);
        StepCompleted?.Invoke(new TrainerStepInfo(State.GlobalStep, run.Plan.MaxSteps, stepLoss, learningRate, State.Epoch));
    }

    /// <summary>After the last update: the best model's values (load_best_model_at_end), the run's metrics, and the toolkit's output files.</summary>
    private TrainResult FinishRun(Run run, double seconds)
    {
        string outputDir = Args.OutputDir;
        if (_world.IsMain && Args.LoadBestModelAtEnd && State.BestModelCheckpoint is { } best && Directory.Exists(best))
        {
            using var scope = NewDisposeScope();
            var state = CheckpointLoader.ReadStateDict(Path.Combine(best, OptimizerFile));
            _optimizer.LoadParameterValues(state, best);
            foreach (var t in state.Values) t.Dispose();
        }

        double trainLoss = run.History.Count > 0 ? run.History.Average(h => h.Loss) : 0;
        var summary = new SortedDictionary<string, double>(StringComparer.Ordinal)
        {
            ["train_runtime"] = Math.Round(seconds, 4),
            ["train_samples_per_second"] = Math.Round(run.Rows / Math.Max(seconds, 1e-9), 3),
            ["train_steps_per_second"] = Math.Round(_stepsThisRun / Math.Max(seconds, 1e-9), 3),
            ["total_flos"] = State.TotalFlos,
            ["train_loss"] = trainLoss,
        };
        Log(new Dictionary<string, double>(summary));
        long peak = ProcessMemory.PeakResidentBytes();
        var metrics = new SortedDictionary<string, double>(summary, StringComparer.Ordinal)
        {
            ["epoch"] = State.Epoch,
            ["train_tokens"] = run.Tokens,
            ["train_tokens_per_second"] = Math.Round(run.Tokens / Math.Max(seconds, 1e-9), 3),
            ["trainable_params"] = TrainableParameters.Trainable,
            ["all_params"] = TrainableParameters.All,
            ["trainable_percent"] = Math.Round(TrainableParameters.Percent, 4),
            ["peak_rss_mb"] = Math.Round(peak / (1024.0 * 1024.0), 1),
        };

        // What the toolkit's workflow does after train(): save_model, save_state, save_metrics("train"), plot_loss (rank 0).
        if (_world.IsMain)
        {
            using (NewDisposeScope()) FineTuning.Save(_model, FinetuningOptions, outputDir, _baseModelNameOrPath);
            Args.Save(outputDir);
            State.Save(outputDir);
            WriteResults(outputDir, "train", metrics);
            if (Args.PlotLoss) LossPlot.Write(outputDir, State, "loss", "eval_loss");
        }

        return new TrainResult
        {
            GlobalStep = State.GlobalStep,
            MaxSteps = run.Plan.MaxSteps,
            StepsThisRun = _stepsThisRun,
            TrainLoss = trainLoss,
            LossHistory = run.History,
            Seconds = seconds,
            Tokens = run.Tokens,
            TokensPerSecond = run.Tokens / Math.Max(seconds, 1e-9),
            PeakResidentBytes = peak,
            TrainableParameters = TrainableParameters,
            BestModelCheckpoint = State.BestModelCheckpoint,
            Metrics = metrics,
        };
    }

    /// <summary>Eval loss over the evaluation source; logs it and writes eval_results.json (merged into all_results.json).</summary>
    public EvalResult Evaluate()
    {
        var result = EvaluateLoss();
        if (!_world.IsMain) return result;   // every rank has the same model; rank 0 writes
        Directory.CreateDirectory(Args.OutputDir);
        _log ??= TrainerLogWriter.Append(Args.OutputDir);
        Log(new Dictionary<string, double>(result.Metrics));
        WriteResults(Args.OutputDir, "eval", result.Metrics);
        return result;
    }

    /// <summary>
    /// The batch's mean loss (the batch moved to the model's device). Training and evaluation loss need vocabulary
    /// logits only where a label is predicted (same loss, a fraction of the lm_head work).
    /// </summary>
    private Tensor Loss(TrainingBatch batch)
    {
        var device = _model.Device;
        var output = _model.forward(new CausalLMInput(OnDevice(batch.InputIds, device), OnDevice(batch.PositionIds, device),
            OnDevice(batch.AttentionMask, device), OnDevice(batch.Labels, device)) { LogitsAtLabelsOnly = true });
        return output.Loss ?? throw new InvalidOperationException("the model returned no loss");
    }

    /// <summary>One micro-batch: forward, loss check, backward of loss / micro-batches (× loss scale), gradients into the masters.</summary>
    private double ForwardBackward(TrainingBatch batch, int microBatchesInStep)
    {
        var loss = Loss(batch);
        double value = loss.item<float>();
        if (!double.IsFinite(value)) return value;
        // Explicit, disposed Scalar: see Runtime/Scalars.
        using var factor = ((_lossScaler?.Scale ?? 1.0) / microBatchesInStep).ToScalar();
        var scaled = loss * factor;
        scaled.backward();
        foreach (var p in _parameters) p.AccumulateGradient();
        return value;
    }

    private void OptimizerStep(double learningRate)
    {
        using (var scope = NewDisposeScope())
        {
            if (_world.IsDistributed) AverageGradientsOverRanks();
            var gradients = _parameters.Select(p => p.Gradient()).OfType<Tensor>().ToList();
            bool apply = true;
            if (_lossScaler != null)
            {
                using (no_grad())
                using (var scale = _lossScaler.Scale.ToScalar())
                    foreach (var g in gradients) g.div_(scale);
                apply = _lossScaler.Update(double.IsFinite(GradientClipping.TotalNorm(gradients)));
            }
            if (apply)
            {
                if (Args.MaxGradNorm > 0) GradientClipping.ClipByTotalNorm(gradients, Args.MaxGradNorm);
                _optimizer.Step(learningRate);
            }
        }
        _optimizer.ZeroGradients();
    }

    /// <summary>
    /// DDP's gradient all-reduce, once per update (after the last micro-batch of the accumulation, before unscaling and
    /// clipping, which then see the same averaged gradients on every rank). With ddp_find_unused_parameters the ranks
    /// first agree which parameters have a gradient anywhere (a parameter used on some ranks only gets zeros on the
    /// others, as in DDP); without it every trainable parameter must have one, and a rank that lacks one stops the run.
    /// </summary>
    private void AverageGradientsOverRanks()
    {
        var gradients = _parameters.Select(p => p.Gradient()).ToList();
        if (Args.EffectiveDdpFindUnusedParameters)
        {
            var used = gradients.Select(g => g is null ? 0.0 : 1.0).ToArray();
            _world.SumInPlace(used);
            for (int i = 0; i < gradients.Count; i++)
                if (gradients[i] is null && used[i] > 0) gradients[i] = _parameters[i].ZeroGradientTensor();
        }
        else if (gradients.IndexOf(null) is >= 0 and int missing)
            throw new InvalidOperationException($"rank {_world.Rank}: the trainable parameter {_parameters[missing].Name} received no gradient in this update; " +
                                                "pass --ddp_find_unused_parameters true when a method leaves parameters unused");
        _world.AverageInPlace(gradients.OfType<Tensor>().ToList());
    }

    private EvalResult EvaluateLoss()
    {
        var source = _evalSource ?? throw new InvalidOperationException("no evaluation data (evalSource is null)");
        bool wasTraining = _model.training;
        _model.eval();
        var clock = Stopwatch.StartNew();
        double weightedLoss = 0;
        int examples = 0, batchCount = 0;
        using (no_grad())
        {
            using var iterator = source.Batches(0, Args.Seed).GetEnumerator();
            while (true)
            {
                using var scope = NewDisposeScope();
                if (!iterator.MoveNext()) break;
                var b = iterator.Current;
                // HF repeats each batch's mean loss once per example, then averages.
                weightedLoss += Loss(b).item<float>() * b.Rows;
                examples += (int)b.Rows;
                batchCount++;
            }
        }
        if (wasTraining) _model.train();
        double seconds = clock.Elapsed.TotalSeconds;
        double evalLoss = examples > 0 ? weightedLoss / examples : double.NaN;
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal)
        {
            ["eval_loss"] = evalLoss,
            ["eval_runtime"] = Math.Round(seconds, 4),
            ["eval_samples_per_second"] = Math.Round(examples / Math.Max(seconds, 1e-9), 3),
            ["eval_steps_per_second"] = Math.Round(batchCount / Math.Max(seconds, 1e-9), 3),
            ["epoch"] = State.Epoch,
        };
        if (AdditionalEvaluation?.Invoke() is { } extra)
            foreach (var (key, value) in extra)
                metrics[key.StartsWith("eval_", StringComparison.Ordinal) ? key : "eval_" + key] = value;
        return new EvalResult { EvalLoss = evalLoss, Examples = examples, Batches = batchCount, Seconds = seconds, Metrics = metrics };
    }

    private IReadOnlyDictionary<string, double>? EvaluateAndLog()
    {
        if (!_world.IsMain) return null;   // rank 0 evaluates; the others wait for it in the next update's all-reduce
        var result = EvaluateLoss();
        Log(new Dictionary<string, double>(result.Metrics));
        return result.Metrics;
    }

    /// <summary>HF's Trainer.log: adds epoch (2 decimals) and step, appends to the history, the jsonl log and TensorBoard.</summary>
    private void Log(Dictionary<string, double> entry)
    {
        entry["epoch"] = Math.Round(State.Epoch, 2);
        entry["step"] = State.GlobalStep;
        State.LogHistory.Add(new SortedDictionary<string, double>(entry, StringComparer.Ordinal));
        _log?.Append(entry, State.GlobalStep, State.MaxSteps, _stepsThisRun, _runClock.Elapsed.TotalSeconds);
        _tensorBoard?.Log(entry, State.GlobalStep);
    }

    private string SaveCheckpoint(IReadOnlyDictionary<string, double>? evalMetrics)
    {
        string outputDir = Args.OutputDir;
        string target = TrainingCheckpoints.PathFor(outputDir, State.GlobalStep);
        if (!_world.IsMain) return target;   // rank 0 writes it; every rank holds the same values
        if (evalMetrics != null && (Args.MetricForBestModel != null || Args.LoadBestModelAtEnd))
            UpdateBest(evalMetrics, target);

        var scheduler = new Dictionary<string, object>
        {
            ["global_step"] = State.GlobalStep,
            ["optimizer_step"] = _optimizer.StepCount,
            ["lr_scheduler_type"] = Args.LrSchedulerType,
            ["learning_rate"] = Args.LearningRate,
            ["warmup_steps"] = Args.WarmupStepsFor(State.MaxSteps),
            ["total_steps"] = State.MaxSteps,
            ["loss_scale"] = _lossScaler?.State.Scale ?? 1.0,
            ["loss_scale_clean_steps"] = _lossScaler?.State.CleanSteps ?? 0,
        };
        var parts = new List<(string, Action<string>)>
        {
            ("model", dir => { using var _ = NewDisposeScope(); FineTuning.Save(_model, FinetuningOptions, dir, _baseModelNameOrPath); }),
            (OptimizerFile, dir => { using var _ = NewDisposeScope(); CheckpointWriter.SaveTorch(Path.Combine(dir, OptimizerFile), _optimizer.StateDict()); }),
            (SchedulerFile, dir => CheckpointWriter.WriteJson(Path.Combine(dir, SchedulerFile), scheduler)),
            (RngState.FileName, RngState.Save),
            (TrainingArguments.FileName, Args.Save),
            // Last: a folder with trainer_state.json is a complete checkpoint.
            (TrainerState.FileName, dir => State.Save(dir)),
        };
        string written = TrainingCheckpoints.Write(outputDir, State.GlobalStep, parts, CheckpointPartWritten);
        TrainingCheckpoints.Rotate(outputDir, Args.SaveTotalLimit, State.BestModelCheckpoint);
        return written;
    }

    private void UpdateBest(IReadOnlyDictionary<string, double> metrics, string checkpoint)
    {
        string name = Args.EffectiveMetricForBestModel;
        string key = name.StartsWith("eval_", StringComparison.Ordinal) ? name : "eval_" + name;
        if (!metrics.TryGetValue(key, out double value))
            throw new InvalidOperationException($"metric_for_best_model '{name}' is not among the evaluation metrics: {string.Join(", ", metrics.Keys)}");
        bool better = State.BestMetric is not { } best || (Args.EffectiveGreaterIsBetter ? value > best : value < best);
        if (!better) return;
        State.BestMetric = value;
        State.BestModelCheckpoint = checkpoint;
    }

    private void Resume(string dir)
    {
        var saved = TrainerState.Load(dir);
        State.GlobalStep = saved.GlobalStep;
        State.Epoch = saved.Epoch;
        State.LogHistory = saved.LogHistory;
        State.BestMetric = saved.BestMetric;
        State.BestModelCheckpoint = saved.BestModelCheckpoint;
        State.TotalFlos = saved.TotalFlos;

        string schedulerPath = Path.Combine(dir, SchedulerFile);
        using var scheduler = JsonFile.Parse(schedulerPath);
        int optimizerStep = scheduler.RootElement.GetProperty("optimizer_step").GetInt32();
        _lossScaler?.Restore(scheduler.RootElement.GetProperty("loss_scale").GetDouble(), scheduler.RootElement.GetProperty("loss_scale_clean_steps").GetInt32());

        using (NewDisposeScope())
        {
            string optimizerPath = Path.Combine(dir, OptimizerFile);
            var state = CheckpointLoader.ReadStateDict(optimizerPath);
            try { _optimizer.LoadStateDict(state, optimizerStep, optimizerPath); }
            finally { foreach (var t in state.Values) t.Dispose(); }
        }
        // Last, after everything that draws random numbers (adapter initialisation, seeding).
        RngState.Restore(dir);
    }

    private string? ResolveResumeCheckpoint()
    {
        string? value = Args.ResumeFromCheckpoint;
        if (string.IsNullOrWhiteSpace(value) || value.Equals("false", StringComparison.OrdinalIgnoreCase)) return null;
        if (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("last", StringComparison.OrdinalIgnoreCase))
            return TrainingCheckpoints.Latest(Args.OutputDir)
                ?? throw new InvalidOperationException($"resume_from_checkpoint: no complete checkpoint-<step> folder in {Args.OutputDir}");
        if (!File.Exists(Path.Combine(value, TrainerState.FileName)))
            throw new DirectoryNotFoundException($"resume_from_checkpoint: {value} is not a complete checkpoint (no {TrainerState.FileName})");
        return value;
    }

    private void CheckOutputDir(string? resumeDir)
    {
        if (resumeDir == null && OutputDirectory.RefusalToWriteInto(Args.OutputDir, Args.OverwriteOutputDir, "output_dir", "overwrite_output_dir",
                "resume_from_checkpoint to continue the run in it") is { } refusal)
            throw new InvalidOperationException(refusal);
    }

    /// <summary>HF's save_metrics: &lt;split&gt;_results.json, and the same keys merged into all_results.json.</summary>
    public static void WriteResults(string outputDir, string split, IReadOnlyDictionary<string, double> metrics)
    {
        // Named literals so a NaN loss is written (as NaN, like Python's json) instead of throwing.
        var options = new JsonSerializerOptions { WriteIndented = true, IndentSize = 4, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
        var sorted = new SortedDictionary<string, double>(metrics.ToDictionary(), StringComparer.Ordinal);
        CheckpointWriter.WriteAtomically(Path.Combine(outputDir, $"{split}_results.json"),
            s => s.Write(System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(sorted, options) + "\n")));
        string allPath = Path.Combine(outputDir, "all_results.json");
        var all = File.Exists(allPath)
            ? JsonFile.Deserialize<SortedDictionary<string, double>>(allPath, options)
            : new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (k, v) in sorted) all[k] = v;
        CheckpointWriter.WriteAtomically(allPath, s => s.Write(System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(all, options) + "\n")));
    }

    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(t))]
    private static Tensor? OnDevice(Tensor? t, Device device) =>
        t is null || (t.device_type == device.type && t.device_index == device.index) ? t : t.to(device);

    public void Dispose()
    {
        foreach (var p in _parameters) p.Dispose();
    }
}
