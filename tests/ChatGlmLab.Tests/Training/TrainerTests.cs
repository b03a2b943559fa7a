using System.Text.Json;
using ChatGlmLab.Adapters;
using ChatGlmLab.ModelInputs;
using ChatGlmLab.Modeling;
using ChatGlmLab.Training;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Training;

/// <summary>
/// End-to-end runs of the trainer on the tiny fixture model (milliseconds per step). Dropout draws from
/// torch's process-wide generator, so these run alone (exact-resume comparisons need an undisturbed stream).
/// </summary>
[Collection(TorchGlobalRandomCollection.Name)]
public sealed class TrainerTests : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    private static readonly FinetuningOptions LoraOptions = new() { FinetuningTypeName = "lora", LoraRank = 4, LoraDropout = 0.1 };

    private static TrainingArguments Args(string dir) => new()
    {
        OutputDir = dir, DoTrain = true, LearningRate = 1e-2, LoggingSteps = 1, SaveStrategy = "no",
        Seed = 3, DisableTqdm = true, MaxSteps = 4,
    };

    [Fact]
    public void EvalLossIsHfsMeanOfFullLogitBatchLosses()
    {
        // Evaluation projects only the positions that predict a label; the figure must be HF's: each batch's
        // mean loss over full logits, repeated once per row, averaged.
        using var model = TinyTrainingData.LoadModel();
        var source = TinyTrainingData.Source(10, 4, shuffle: false);
        using var trainer = new Trainer(model, Args(_tmp.Sub("eval")), FinetuningOptions.For(FinetuningType.None), null, source, "tiny");
        double weighted = 0, rows = 0;
        using (no_grad())
            foreach (var b in source.Batches(0, 3))
            {
                using var scope = NewDisposeScope();
                weighted += model.forward(b.InputIds, b.PositionIds, b.AttentionMask, b.Labels).Loss!.item<float>() * b.Rows;
                rows += b.Rows;
            }
        Assert.Equal(weighted / rows, trainer.Evaluate().EvalLoss, 5);
    }

    [Fact]
    public void ShortLoraRunReducesEvalLossAndWritesEveryOutput()
    {
        string dir = _tmp.Sub("run");
        var args = Args(dir) with
        {
            OverwriteOutputDir = true, MaxSteps = 24, WarmupSteps = 2, LoggingSteps = 2, EvaluationStrategy = "steps", EvalSteps = 8,
            SaveSteps = 8, SaveStrategy = "steps", SaveTotalLimit = 2, PlotLoss = true,
        };
        using var model = TinyTrainingData.LoadModel();
        using var trainer = new Trainer(model, args, LoraOptions, TinyTrainingData.Source(16, 4), TinyTrainingData.Source(16, 8, shuffle: false), "tiny");

        double before = trainer.Evaluate().EvalLoss;
        var result = trainer.Train();
        double after = trainer.Evaluate().EvalLoss;
        Assert.True(after < 0.8 * before, $"eval loss {before:F4} -> {after:F4}");

        // Steps, learning rates (linear with 2 warmup steps over 24) and the result figures.
        Assert.Equal(24, result.GlobalStep);
        Assert.Equal(Enumerable.Range(1, 24), result.LossHistory.Select(h => h.Step));
        var schedule = new LearningRateSchedule("linear", 1e-2, 2, 24);
        for (int k = 0; k < 24; k++) Assert.Equal(schedule.LearningRateAt(k), result.LossHistory[k].LearningRate, 12);
        Assert.Equal(0.0, result.LossHistory[0].LearningRate);
        Assert.True(result.TokensPerSecond > 0 && result.PeakResidentBytes > 0);
        Assert.Equal(trainer.TrainableParameters.Trainable, (long)result.Metrics["trainable_params"]);
        Assert.InRange(result.Metrics["trainable_percent"], 0.01, 50);
        Assert.True(result.Metrics["peak_rss_mb"] > 0);

        // Output files of the toolkit.
        foreach (var file in new[] { "trainer_log.jsonl", "trainer_state.json", "all_results.json", "train_results.json", "eval_results.json",
                     "training_loss.html", "training_eval_loss.html", "adapter_config.json", "adapter_model.bin", "finetuning_args.json", "training_args.json" })
            Assert.True(File.Exists(Path.Combine(dir, file)), $"missing {file}");
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(dir, TensorBoardLogger.RunsFolder), "events.out.tfevents*", SearchOption.AllDirectories));
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(dir, "training_loss.html")));

        // save_total_limit 2: checkpoint-8 rotated away.
        Assert.Equal([16, 24], TrainingCheckpoints.List(dir).Select(c => c.Step));
        foreach (var file in new[] { "adapter_model.bin", "finetuning_args.json", Trainer.OptimizerFile, Trainer.SchedulerFile, RngState.FileName, TrainerState.FileName })
            Assert.True(File.Exists(Path.Combine(dir, "checkpoint-24", file)), $"checkpoint misses {file}");

        // trainer_log.jsonl: the toolkit's keys; 12 training logs + 3 evaluations + final summary + Evaluate() after training.
        var lines = File.ReadAllLines(Path.Combine(dir, "trainer_log.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(17, lines.Count);
        string[] keys = ["current_steps", "total_steps", "loss", "eval_loss", "learning_rate", "epoch", "percentage", "elapsed_time", "remaining_time"];
        Assert.All(lines, l => Assert.Equal(keys, l.EnumerateObject().Select(p => p.Name)));
        var firstTrainLog = lines.First(l => l.GetProperty("loss").ValueKind == JsonValueKind.Number);
        Assert.Equal(2, firstTrainLog.GetProperty("current_steps").GetInt32());
        Assert.Equal(24, firstTrainLog.GetProperty("total_steps").GetInt32());
        Assert.Equal(8.33, firstTrainLog.GetProperty("percentage").GetDouble());
        Assert.Equal(schedule.LearningRateAt(2), firstTrainLog.GetProperty("learning_rate").GetDouble(), 12);
        Assert.Matches(@"^\d+:\d\d:\d\d$", firstTrainLog.GetProperty("elapsed_time").GetString());
        // Evaluations at steps 8, 16, 24 and the Evaluate() after training (the one before was in the log Train() started afresh).
        Assert.Equal(4, lines.Count(l => l.GetProperty("eval_loss").ValueKind == JsonValueKind.Number));

        // trainer_state.json: HF keys and history; all_results holds train and eval keys.
        var state = TrainerState.Load(dir);
        Assert.Equal(24, state.GlobalStep);
        Assert.Contains(state.LogHistory, e => e.ContainsKey("train_runtime") && e.ContainsKey("train_loss"));
        using var all = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "all_results.json")));
        Assert.True(all.RootElement.TryGetProperty("train_loss", out _));
        Assert.Equal(after, all.RootElement.GetProperty("eval_loss").GetDouble(), 10);
    }

    [Fact]
    public void ResumeContinuesTheSameLossCurve()
    {
        // 12 rows in batches of 3 with accumulation 2: 2 updates per epoch; checkpoint at step 3 is mid-epoch,
        // LoRA dropout draws from torch's generator, rows are shuffled per epoch.
        TrainingArguments ArgsIn(string dir) => Args(dir) with
        {
            MaxSteps = 7, GradientAccumulationSteps = 2, SaveStrategy = "steps", SaveSteps = 3, WarmupSteps = 2,
        };
        IBatchSource Data() => TinyTrainingData.Source(12, 3);

        TrainResult straight;
        float[] straightWeights;
        using (var model = TinyTrainingData.LoadModel())
        using (var trainer = new Trainer(model, ArgsIn(_tmp.Sub("straight")), LoraOptions, Data(), null, "tiny"))
        {
            straight = trainer.Train();
            straightWeights = LoraWeights(model);
        }

        string dir = _tmp.Sub("interrupted");
        using (var model = TinyTrainingData.LoadModel())
        using (var trainer = new Trainer(model, ArgsIn(dir), LoraOptions, Data(), null, "tiny"))
        {
            using var kill = new CancellationTokenSource();
            trainer.StepCompleted += s => { if (s.GlobalStep == 4) kill.Cancel(); };
            Assert.Throws<OperationCanceledException>(() => trainer.Train(kill.Token));
        }
        Assert.Equal([3], TrainingCheckpoints.List(dir).Select(c => c.Step));

        // The killed run logged step 4 after checkpoint-3.
        Assert.Equal([1, 2, 3, 4], LoggedSteps(dir));

        TrainResult resumed;
        float[] resumedWeights;
        var said = new List<string>();
        using (var model = TinyTrainingData.LoadModel())
        using (var trainer = new Trainer(model, ArgsIn(dir) with { ResumeFromCheckpoint = "last" }, LoraOptions, Data(), null, "tiny") { Info = said.Add })
        {
            resumed = trainer.Train();
            resumedWeights = LoraWeights(model);
        }
        Assert.Equal(["resumed from checkpoint-3 (step 3 of 7)"], said);
        // HF's restored log history: the checkpoint's steps once, then this run's (and its summary at step 7); none twice.
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 7], LoggedSteps(dir));
        // Speed and the summary count only the 4 updates of this process.
        Assert.Equal(4, resumed.StepsThisRun);
        Assert.StartsWith("4 steps in ", resumed.Summary());
        Assert.Contains("(steps 4-7 of 7, resumed)", resumed.Summary());

        Assert.Equal([4, 5, 6, 7], resumed.LossHistory.Select(h => h.Step));
        var expected = straight.LossHistory.Skip(3).ToList();
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Loss, resumed.LossHistory[i].Loss, 9);
            Assert.Equal(expected[i].LearningRate, resumed.LossHistory[i].LearningRate, 15);
        }
        Assert.Equal(straightWeights, resumedWeights);
        // The history in trainer_state.json carries over the logs before the checkpoint.
        Assert.Equal(7, TrainerState.Load(dir).LogHistory.Count(e => e.ContainsKey("loss")));
    }

    private static List<int> LoggedSteps(string dir) =>
        File.ReadAllLines(Path.Combine(dir, TrainerLogWriter.FileName))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("current_steps").GetInt32()).ToList();

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void ResumingACheckpointAtOrPastMaxStepsIsRefusedAndWritesNothing(int maxSteps)
    {
        string dir = _tmp.Sub("done");
        var args = Args(dir) with { SaveStrategy = "steps", SaveSteps = 4, MaxSteps = 4 };
        using (var model = TinyTrainingData.LoadModel())
        using (var trainer = new Trainer(model, args, LoraOptions, TinyTrainingData.Source(8, 2), null, "tiny") { Info = _ => { } })
            trainer.Train();
        File.Delete(Path.Combine(dir, "train_results.json"));
        var logBefore = File.ReadAllText(Path.Combine(dir, TrainerLogWriter.FileName));

        using (var model = TinyTrainingData.LoadModel())
        using (var trainer = new Trainer(model, args with { MaxSteps = maxSteps, ResumeFromCheckpoint = "last" }, LoraOptions, TinyTrainingData.Source(8, 2), null, "tiny"))
        {
            var e = Assert.Throws<InvalidOperationException>(() => trainer.Train());
            Assert.StartsWith($"nothing to train: checkpoint-4 is already at step 4 >= max_steps {maxSteps}; raise max_steps", e.Message);
        }
        Assert.False(File.Exists(Path.Combine(dir, "train_results.json")));
        Assert.Equal(logBefore, File.ReadAllText(Path.Combine(dir, TrainerLogWriter.FileName)));
    }

    [Fact]
    public void NonFiniteLossStopsWithMessageAndKeepsLastGoodCheckpoint()
    {
        string dir = _tmp.Sub("nan");
        // An absurd learning rate: the first update (from a finite loss) throws the LoRA weights to ~1e30,
        // the next forward overflows.
        var args = Args(dir) with { LearningRate = 1e30, LrSchedulerType = "constant", SaveStrategy = "steps", SaveSteps = 1, MaxSteps = 10 };
        using var model = TinyTrainingData.LoadModel();
        using var trainer = new Trainer(model, args, LoraOptions, TinyTrainingData.Source(8, 4), null, "tiny");
        var e = Assert.Throws<NonFiniteLossException>(() => trainer.Train());
        Assert.Equal(2, e.Step);
        Assert.False(double.IsFinite(e.Loss));
        Assert.Contains("at step 2", e.Message);
        Assert.Contains("checkpoint-1", e.Message);
        Assert.EndsWith("checkpoint-1", e.LastCheckpoint);
        Assert.Equal([1], TrainingCheckpoints.List(dir).Select(c => c.Step));
        Assert.Equal(e.LastCheckpoint, TrainingCheckpoints.Latest(dir));
    }

    [Fact]
    public void CrashBetweenCheckpointFilesLeavesThePreviousCheckpointResumable()
    {
        string dir = _tmp.Sub("crash");
        var args = Args(dir) with { SaveStrategy = "steps", SaveSteps = 2, MaxSteps = 4 };
        using (var model = TinyTrainingData.LoadModel())
        using (var trainer = new Trainer(model, args, LoraOptions, TinyTrainingData.Source(8, 2), null, "tiny"))
        {
            int completed = 0;
            trainer.CheckpointPartWritten = file =>
            {
                if (file == TrainerState.FileName) completed++;
                if (completed == 1 && file == Trainer.OptimizerFile && trainer.State.GlobalStep == 4)
                    throw new IOException("simulated crash while writing checkpoint-4");
            };
            var e = Assert.Throws<IOException>(() => trainer.Train());
            Assert.Contains("simulated crash", e.Message);
        }
        Assert.False(Directory.Exists(Path.Combine(dir, "checkpoint-4")));
        Assert.True(Directory.Exists(Path.Combine(dir, ".tmp-checkpoint-4")));   // the half-written one, not a checkpoint
        Assert.Equal(Path.Combine(dir, "checkpoint-2"), TrainingCheckpoints.Latest(dir));

        using (var model = TinyTrainingData.LoadModel())
        using (var trainer = new Trainer(model, args with { ResumeFromCheckpoint = "last" }, LoraOptions, TinyTrainingData.Source(8, 2), null, "tiny"))
        {
            var result = trainer.Train();
            Assert.Equal([3, 4], result.LossHistory.Select(h => h.Step));
        }
        Assert.Equal([2, 4], TrainingCheckpoints.List(dir).Select(c => c.Step));
        Assert.Empty(Directory.GetDirectories(dir, ".tmp-*"));
    }

    [Fact]
    public void AccumulationOfTwoHalfBatchesEqualsOneFullBatch()
    {
        var freeze = new FinetuningOptions { FinetuningTypeName = "freeze", NumLayerTrainable = 1 };
        float[] Run(int batchSize, int accumulation, string name)
        {
            using var model = TinyTrainingData.LoadModel();
            var args = Args(_tmp.Sub(name)) with { MaxSteps = 1, GradientAccumulationSteps = accumulation, LearningRate = 1e-3, WeightDecay = 0.1 };
            using var trainer = new Trainer(model, args, freeze, TinyTrainingData.Source(4, batchSize, shuffle: false), null, "tiny");
            trainer.Train();
            return model.named_parameters().Where(p => p.parameter.requires_grad)
                .SelectMany(p => p.parameter.detach().flatten().data<float>().ToArray()).ToArray();
        }
        var full = Run(4, 1, "full");
        var accumulated = Run(2, 2, "accumulated");
        using var original = TinyTrainingData.LoadModel();
        FineTuning.Prepare(original, freeze);
        var start = original.named_parameters().Where(p => p.parameter.requires_grad).SelectMany(p => p.parameter.detach().flatten().data<float>().ToArray()).ToArray();
        Assert.True(full.Zip(start).Any(x => x.First != x.Second), "one update changes the trained parameters");
        // Same update up to float32 summation order: an absolute bound, not rounding to 5 decimals
        // (two values 2e-9 apart can round to different 5th decimals).
        for (int i = 0; i < full.Length; i++)
            Assert.True(Math.Abs(full[i] - accumulated[i]) < 5e-6, $"parameter element {i}: {full[i]} vs {accumulated[i]}");
    }

    [Fact]
    public void Bf16ComputesInBf16WithFloat32TrainableWeightsAndLearns()
    {
        using (var model = TinyTrainingData.LoadModel())
        {
            var args = Args(_tmp.Sub("bf16-full")) with { Bf16 = true, MaxSteps = 12, LearningRate = 2e-3 };
            using var trainer = new Trainer(model, args, FinetuningOptions.For(FinetuningType.Full), TinyTrainingData.Source(8, 4), null, "tiny");
            Assert.Equal(ScalarType.BFloat16, trainer.ComputeType);
            Assert.All(model.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
            Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
            var result = trainer.Train();
            Assert.True(result.LossHistory[^1].Loss < 0.9 * result.LossHistory[0].Loss,
                $"loss {result.LossHistory[0].Loss:F4} -> {result.LossHistory[^1].Loss:F4}");
        }
        using (var model = TinyTrainingData.LoadModel())
        {
            var args = Args(_tmp.Sub("bf16-lora")) with { Bf16 = true, MaxSteps = 12 };
            using var trainer = new Trainer(model, args, LoraOptions, TinyTrainingData.Source(8, 4), null, "tiny");
            var adapter = Lora.Adapters(model).First().Module;
            Assert.Equal(ScalarType.Float32, adapter.lora_A.weight.dtype);
            Assert.Equal(ScalarType.BFloat16, ((ChatGlmLab.Modeling.Linear)adapter.base_layer).weight.dtype);
            Assert.Equal(ScalarType.BFloat16, model.lm_head.weight.dtype);
            var result = trainer.Train();
            Assert.True(result.LossHistory[^1].Loss < result.LossHistory[0].Loss);
            Assert.True(File.Exists(Path.Combine(args.OutputDir, "adapter_model.bin")));
        }
    }

    [Fact]
    public void NonEmptyOutputDirNeedsOverwriteOrResume()
    {
        string dir = _tmp.Sub("used");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "something.txt"), "x");
        using var model = TinyTrainingData.LoadModel();
        using var trainer = new Trainer(model, Args(dir), LoraOptions, TinyTrainingData.Source(4, 2), null, "tiny");
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Train());
        Assert.Contains("overwrite_output_dir", e.Message);
    }

    [Fact]
    public void EvaluationWithoutEvalDataFailsBeforeTraining()
    {
        string dir = _tmp.Sub("noeval");
        using var model = TinyTrainingData.LoadModel();
        using var trainer = new Trainer(model, Args(dir) with { EvaluationStrategy = "steps", EvalSteps = 2 }, LoraOptions, TinyTrainingData.Source(4, 2), null, "tiny");
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Train());
        Assert.Contains("evaluation_strategy", e.Message);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void LoadBestModelAtEndRestoresTheBestCheckpointsWeights()
    {
        string dir = _tmp.Sub("best");
        var args = Args(dir) with
        {
            MaxSteps = 6, EvaluationStrategy = "steps", EvalSteps = 2, SaveStrategy = "steps", SaveSteps = 2,
            LoadBestModelAtEnd = true, SaveTotalLimit = 1, LearningRate = 1e-2,
        };
        using var model = TinyTrainingData.LoadModel();
        using var trainer = new Trainer(model, args, LoraOptions, TinyTrainingData.Source(8, 4), TinyTrainingData.Source(8, 4, shuffle: false), "tiny");
        var result = trainer.Train();
        var evals = trainer.State.LogHistory.Where(e => e.ContainsKey("eval_loss")).ToList();
        var best = evals.MinBy(e => e["eval_loss"])!;
        Assert.Equal(TrainingCheckpoints.PathFor(dir, (int)best["step"]), result.BestModelCheckpoint);
        Assert.Equal(best["eval_loss"], trainer.State.BestMetric);
        Assert.True(Directory.Exists(result.BestModelCheckpoint));
        // The model now evaluates to the best loss again.
        Assert.Equal(best["eval_loss"], trainer.Evaluate().EvalLoss, 5);
    }

    private static float[] LoraWeights(ChatGlmLab.Modeling.ChatGlmForConditionalGeneration model) =>
        Lora.AdapterStateDict(model).OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .SelectMany(kv => kv.Value.detach().flatten().data<float>().ToArray()).ToArray();
}

/// <summary>Gradient checkpointing changes memory, not results: same losses and weights as without it.</summary>
[Collection(TorchGlobalRandomCollection.Name)]
public sealed class GradientCheckpointingTests : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    [Theory]
    [InlineData("lora")]
    [InlineData("p_tuning")]
    [InlineData("full")]
    public void SameLossesAndWeightsAsWithout(string method)
    {
        // LoRA dropout 0.1 and prefix dropout draw random numbers: the recompute must replay them.
        var options = new FinetuningOptions { FinetuningTypeName = method, LoraRank = 4, PreSeqLen = 4 };
        (IReadOnlyList<StepLoss> Losses, float[] Weights, bool Enabled) Run(bool checkpointing)
        {
            using var model = TinyTrainingData.LoadModel();
            var args = new TrainingArguments
            {
                OutputDir = _tmp.Sub($"{method}-{checkpointing}"), MaxSteps = 3, LearningRate = 1e-2, LoggingSteps = 1,
                SaveStrategy = "no", DisableTqdm = true, Seed = 5, GradientCheckpointing = checkpointing,
            };
            using var trainer = new Trainer(model, args, options, TinyTrainingData.Source(8, 4), null, "tiny");
            bool enabled = false;
            trainer.StepCompleted += _ => enabled = Equals(model.transformer.LayerRunner, (Func<ChatGlmLab.Modeling.GLMBlock, ChatGlmLab.Modeling.BlockInput, Tensor>)GradientCheckpointing.Run);
            var result = trainer.Train();
            Assert.Null(model.transformer.LayerRunner);   // restored after training
            var weights = model.named_parameters().Where(p => p.parameter.requires_grad).OrderBy(p => p.name, StringComparer.Ordinal)
                .SelectMany(p => p.parameter.detach().flatten().data<float>().ToArray()).ToArray();
            return (result.LossHistory, weights, enabled);
        }
        var plain = Run(false);
        var checkpointed = Run(true);
        Assert.False(plain.Enabled);
        Assert.True(checkpointed.Enabled);
        for (int i = 0; i < plain.Losses.Count; i++) Assert.Equal(plain.Losses[i].Loss, checkpointed.Losses[i].Loss, 5);
        Assert.Equal(plain.Weights.Length, checkpointed.Weights.Length);
        for (int i = 0; i < plain.Weights.Length; i++) Assert.Equal(plain.Weights[i], checkpointed.Weights[i], 5);
        Assert.True(plain.Losses[^1].Loss != plain.Losses[0].Loss);
    }
}

/// <summary>fp16 compute (meant for CUDA; float16 kernels also run on the CPU) with loss scaling and float32 masters.</summary>
[Collection(TorchGlobalRandomCollection.Name)]
public sealed class Fp16TrainingTests : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void Fp16LoraTrainsWithLossScaling()
    {
        using var model = TinyTrainingData.LoadModel();
        var args = new TrainingArguments
        {
            OutputDir = _tmp.Sub("fp16"), MaxSteps = 12, LearningRate = 1e-2, LoggingSteps = 4, SaveStrategy = "steps", SaveSteps = 6,
            DisableTqdm = true, Fp16 = true,
        };
        using var trainer = new Trainer(model, args, new FinetuningOptions { LoraRank = 4 }, TinyTrainingData.Source(8, 4), null, "tiny");
        Assert.Equal(ScalarType.Float16, trainer.ComputeType);
        var result = trainer.Train();
        Assert.All(result.LossHistory, h => Assert.True(double.IsFinite(h.Loss)));
        Assert.True(result.LossHistory[^1].Loss < result.LossHistory[0].Loss);
        // The scaler's state is part of the checkpoint.
        using var scheduler = JsonDocument.Parse(File.ReadAllText(Path.Combine(args.OutputDir, "checkpoint-12", Trainer.SchedulerFile)));
        Assert.True(scheduler.RootElement.GetProperty("loss_scale").GetDouble() >= 1);
    }
}

/// <summary>The pipeline's batch format: explicit masks and 2-D positions reach the model unchanged.</summary>
[Collection(TorchGlobalRandomCollection.Name)]
public sealed class BatchContractTests : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    /// <summary>Wraps a source and adds the mask and positions the model would derive itself.</summary>
    private sealed class ExplicitInputsSource(IBatchSource inner, ChatGlmLab.Modeling.ChatGlmConfig config) : IBatchSource
    {
        public int BatchCount => inner.BatchCount;
        public IEnumerable<TrainingBatch> Batches(int epoch, int seed)
        {
            foreach (var b in inner.Batches(epoch, seed))
            {
                long rows = b.InputIds.shape[0], length = b.InputIds.shape[1];
                var layout = ChatGlmLab.Modeling.ChatGlmInputs.Layout(b.InputIds.data<long>().ToArray(), rows, length, config);
                yield return b with
                {
                    AttentionMask = ChatGlmLab.Modeling.ChatGlmInputs.BuildAttentionMask(layout, length, CPU),
                    PositionIds = ChatGlmLab.Modeling.ChatGlmInputs.BuildPositionIds(layout, length, CPU),
                };
            }
        }
    }

    [Fact]
    public void ExplicitMasksAndPositionsTrainLikeDerivedOnes()
    {
        IReadOnlyList<StepLoss> Run(bool explicitInputs)
        {
            using var model = TinyTrainingData.LoadModel();
            IBatchSource source = TinyTrainingData.Source(8, 4);
            if (explicitInputs) source = new ExplicitInputsSource(source, model.Config);
            var args = new TrainingArguments { OutputDir = _tmp.Sub($"explicit-{explicitInputs}"), MaxSteps = 4, LearningRate = 1e-2, SaveStrategy = "no", DisableTqdm = true };
            using var trainer = new Trainer(model, args, new FinetuningOptions { LoraRank = 4 }, source, null, "tiny");
            return trainer.Train().LossHistory;
        }
        var derived = Run(false);
        var given = Run(true);
        for (int i = 0; i < derived.Count; i++) Assert.Equal(derived[i].Loss, given[i].Loss, 6);
    }

    [Fact]
    public void SourceThatYieldsFewerBatchesThanItReportsIsAnError()
    {
        using var model = TinyTrainingData.LoadModel();
        var args = new TrainingArguments { OutputDir = _tmp.Sub("short"), MaxSteps = 4, SaveStrategy = "no", DisableTqdm = true };
        using var trainer = new Trainer(model, args, new FinetuningOptions(), new LyingSource(TinyTrainingData.Source(8, 4)), null, "tiny");
        var e = Assert.Throws<InvalidDataException>(() => trainer.Train());
        Assert.Contains("reports 3", e.Message);
    }

    private sealed class LyingSource(IBatchSource inner) : IBatchSource
    {
        public int BatchCount => inner.BatchCount + 1;
        public IEnumerable<TrainingBatch> Batches(int epoch, int seed) => inner.Batches(epoch, seed);
    }
}
