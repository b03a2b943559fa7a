using System.Text.Json;
using ChatGlmLab.Training;

namespace ChatGlmLab.Tests.Training;

public sealed class TrainingArgumentsTests
{
    [Fact]
    public void DefaultsAreHuggingFaces()
    {
        var a = new TrainingArguments();
        Assert.Equal(8, a.PerDeviceTrainBatchSize);
        Assert.Equal(8, a.PerDeviceEvalBatchSize);
        Assert.Equal(1, a.GradientAccumulationSteps);
        Assert.Equal(5e-5, a.LearningRate);
        Assert.Equal(0.0, a.WeightDecay);
        Assert.Equal((0.9, 0.999, 1e-8), (a.AdamBeta1, a.AdamBeta2, a.AdamEpsilon));
        Assert.Equal(1.0, a.MaxGradNorm);
        Assert.Equal(3.0, a.NumTrainEpochs);
        Assert.Equal(-1, a.MaxSteps);
        Assert.Equal("linear", a.LrSchedulerType);
        Assert.Equal((0, 0.0), (a.WarmupSteps, a.WarmupRatio));
        Assert.Equal(500, a.LoggingSteps);
        Assert.Equal(500, a.SaveSteps);
        Assert.Equal("no", a.EvaluationStrategy);
        Assert.Equal("steps", a.SaveStrategy);
        Assert.Null(a.SaveTotalLimit);
        Assert.Equal(42, a.Seed);
        Assert.False(a.Bf16 || a.Fp16 || a.GradientCheckpointing || a.LoadBestModelAtEnd || a.PlotLoss);
        // Derived defaults: eval_steps falls back to logging_steps; best metric is the loss, lower is better.
        Assert.Equal(500, a.EffectiveEvalSteps);
        Assert.Equal("loss", a.EffectiveMetricForBestModel);
        Assert.False(a.EffectiveGreaterIsBetter);
        Assert.True((a with { MetricForBestModel = "rouge-l" }).EffectiveGreaterIsBetter);
    }

    [Fact]
    public void JsonUsesTheSnakeCaseNamesUsersKnow()
    {
        const string json = """
        { "output_dir": "out", "overwrite_output_dir": true, "do_train": true, "do_eval": true, "do_predict": true,
          "per_device_train_batch_size": 4, "per_device_eval_batch_size": 2, "gradient_accumulation_steps": 4,
          "learning_rate": 0.001, "weight_decay": 0.01, "adam_beta1": 0.8, "adam_beta2": 0.99, "adam_epsilon": 1e-6,
          "max_grad_norm": 0.5, "num_train_epochs": 2.5, "max_steps": 300, "lr_scheduler_type": "cosine",
          "warmup_steps": 10, "warmup_ratio": 0.1, "logging_steps": 5, "evaluation_strategy": "steps", "eval_steps": 50,
          "save_steps": 100, "save_total_limit": 2, "load_best_model_at_end": true, "metric_for_best_model": "eval_loss",
          "greater_is_better": false, "seed": 7, "fp16": false, "bf16": true, "gradient_checkpointing": false,
          "resume_from_checkpoint": "out/checkpoint-100", "plot_loss": true }
        """;
        var a = TrainingArguments.FromJson(json);
        Assert.Equal("out", a.OutputDir);
        Assert.True(a.OverwriteOutputDir && a.DoTrain && a.DoEval && a.DoPredict && a.Bf16 && a.PlotLoss && a.LoadBestModelAtEnd);
        Assert.Equal((4, 2, 4), (a.PerDeviceTrainBatchSize, a.PerDeviceEvalBatchSize, a.GradientAccumulationSteps));
        Assert.Equal((0.001, 0.01, 0.8, 0.99, 1e-6, 0.5), (a.LearningRate, a.WeightDecay, a.AdamBeta1, a.AdamBeta2, a.AdamEpsilon, a.MaxGradNorm));
        Assert.Equal((2.5, 300, "cosine", 10, 0.1), (a.NumTrainEpochs, a.MaxSteps, a.LrSchedulerType, a.WarmupSteps, a.WarmupRatio));
        Assert.Equal((5, "steps", 50, 100, 2), (a.LoggingSteps, a.EvaluationStrategy, a.EvalSteps!.Value, a.SaveSteps, a.SaveTotalLimit!.Value));
        Assert.Equal(("eval_loss", false, 7), (a.MetricForBestModel, a.GreaterIsBetter!.Value, a.Seed));
        Assert.Equal("out/checkpoint-100", a.ResumeFromCheckpoint);
        a.Validate();

        // Round trip keeps the names.
        using var doc = JsonDocument.Parse(a.ToJson());
        Assert.Equal(300, doc.RootElement.GetProperty("max_steps").GetInt32());
        Assert.Equal("cosine", doc.RootElement.GetProperty("lr_scheduler_type").GetString());
        Assert.Equal(a, TrainingArguments.FromJson(a.ToJson()));
    }

    [Fact]
    public void UnknownKeysAreRejected()
    {
        var e = Assert.Throws<JsonException>(() => TrainingArguments.FromJson("""{ "output_dir": "o", "learning_rat": 1 }"""));
        Assert.Contains("learning_rat", e.Message);
    }

    [Theory]
    [InlineData("""{ "output_dir": "o", "lr_scheduler_type": "poly" }""", "lr_scheduler_type")]
    [InlineData("""{ "output_dir": "o", "evaluation_strategy": "sometimes" }""", "evaluation_strategy")]
    [InlineData("""{ "output_dir": "o", "fp16": true, "bf16": true }""", "fp16 and bf16")]
    [InlineData("""{ "output_dir": "o", "gradient_accumulation_steps": 0 }""", "gradient_accumulation_steps")]
    [InlineData("""{ "output_dir": "o", "load_best_model_at_end": true }""", "evaluation_strategy")]
    [InlineData("""{ "output_dir": "o", "load_best_model_at_end": true, "evaluation_strategy": "steps", "eval_steps": 30, "save_steps": 50 }""", "multiple of eval_steps")]
    [InlineData("""{ }""", "output_dir")]
    public void InvalidCombinationsNameTheArgument(string json, string fragment)
    {
        var e = Assert.Throws<ArgumentException>(() => TrainingArguments.FromJson(json).Validate());
        Assert.Contains(fragment, e.Message);
    }
}
