using System.Text.Json;
using System.Text.Json.Serialization;
using ChatGlmLab.Checkpoints;

namespace ChatGlmLab.Training;

/// <summary>
/// The training arguments users know from Hugging Face's <c>TrainingArguments</c> (the subset the
/// Python toolkit used), with the same JSON names and defaults, plus the toolkit's <c>plot_loss</c>.
/// Batch sizes are read by the data pipeline that builds the batch sources; the trainer consumes
/// whatever batches it is given.
/// </summary>
public sealed record TrainingArguments
{
    /// <summary>Where checkpoints, logs, results and the trained weights go.</summary>
    [JsonPropertyName("output_dir")] public string OutputDir { get; init; } = "";
    /// <summary>Write into an output_dir that is not empty.</summary>
    [JsonPropertyName("overwrite_output_dir")] public bool OverwriteOutputDir { get; init; }
    /// <summary>Train.</summary>
    [JsonPropertyName("do_train")] public bool DoTrain { get; init; }
    /// <summary>Evaluate the loss on the dev split (with do_train) or on the dataset.</summary>
    [JsonPropertyName("do_eval")] public bool DoEval { get; init; }
    /// <summary>Generate answers and score them (needs predict_with_generate).</summary>
    [JsonPropertyName("do_predict")] public bool DoPredict { get; init; }
    /// <summary>When to evaluate during training: no, steps or epoch.</summary>
    [JsonPropertyName("evaluation_strategy")] public string EvaluationStrategy { get; init; } = "no";
    /// <summary>Examples per training micro-batch.</summary>
    [JsonPropertyName("per_device_train_batch_size")] public int PerDeviceTrainBatchSize { get; init; } = 8;
    /// <summary>Examples per evaluation / prediction batch.</summary>
    [JsonPropertyName("per_device_eval_batch_size")] public int PerDeviceEvalBatchSize { get; init; } = 8;
    /// <summary>Micro-batches summed into one optimizer update.</summary>
    [JsonPropertyName("gradient_accumulation_steps")] public int GradientAccumulationSteps { get; init; } = 1;
    /// <summary>The peak learning rate of AdamW.</summary>
    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; } = 5e-5;
    /// <summary>AdamW's decoupled weight decay (not on biases and LayerNorm weights).</summary>
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; }
    /// <summary>AdamW's beta1 (first-moment decay).</summary>
    [JsonPropertyName("adam_beta1")] public double AdamBeta1 { get; init; } = 0.9;
    /// <summary>AdamW's beta2 (second-moment decay).</summary>
    [JsonPropertyName("adam_beta2")] public double AdamBeta2 { get; init; } = 0.999;
    /// <summary>AdamW's epsilon (added to the denominator).</summary>
    [JsonPropertyName("adam_epsilon")] public double AdamEpsilon { get; init; } = 1e-8;
    /// <summary>Clip the gradient norm to this (0: no clipping).</summary>
    [JsonPropertyName("max_grad_norm")] public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>Passes over the training data (when max_steps is not positive).</summary>
    [JsonPropertyName("num_train_epochs")] public double NumTrainEpochs { get; init; } = 3.0;
    /// <summary>When positive, overrides num_train_epochs.</summary>
    [JsonPropertyName("max_steps")] public int MaxSteps { get; init; } = -1;
    /// <summary>linear | cosine | constant | constant_with_warmup.</summary>
    [JsonPropertyName("lr_scheduler_type")] public string LrSchedulerType { get; init; } = "linear";
    /// <summary>Share of the updates spent warming the learning rate up (warmup_steps wins).</summary>
    [JsonPropertyName("warmup_ratio")] public double WarmupRatio { get; init; }
    /// <summary>When positive, overrides warmup_ratio.</summary>
    [JsonPropertyName("warmup_steps")] public int WarmupSteps { get; init; }
    /// <summary>TensorBoard folder; default output_dir/runs/&lt;MonDD_HH-MM-SS&gt;_&lt;host&gt; like HF.</summary>
    [JsonPropertyName("logging_dir")] public string? LoggingDir { get; init; }
    /// <summary>Log the mean loss every n updates.</summary>
    [JsonPropertyName("logging_steps")] public int LoggingSteps { get; init; } = 500;
    /// <summary>Also log the first update.</summary>
    [JsonPropertyName("logging_first_step")] public bool LoggingFirstStep { get; init; }
    /// <summary>Defaults to logging_steps (HF's rule) when evaluating every n steps.</summary>
    [JsonPropertyName("eval_steps")] public int? EvalSteps { get; init; }
    /// <summary>no | steps | epoch.</summary>
    [JsonPropertyName("save_strategy")] public string SaveStrategy { get; init; } = "steps";
    /// <summary>Save a checkpoint every n updates (save_strategy steps).</summary>
    [JsonPropertyName("save_steps")] public int SaveSteps { get; init; } = 500;
    /// <summary>Keep at most n checkpoints (the best one is never removed).</summary>
    [JsonPropertyName("save_total_limit")] public int? SaveTotalLimit { get; init; }
    /// <summary>After training, restore the best checkpoint's weights (by metric_for_best_model).</summary>
    [JsonPropertyName("load_best_model_at_end")] public bool LoadBestModelAtEnd { get; init; }
    /// <summary>The evaluation metric that picks the best checkpoint (default: loss).</summary>
    [JsonPropertyName("metric_for_best_model")] public string? MetricForBestModel { get; init; }
    /// <summary>Whether a larger metric_for_best_model is better (default: false for a loss, true otherwise).</summary>
    [JsonPropertyName("greater_is_better")] public bool? GreaterIsBetter { get; init; }
    /// <summary>Seed of adapter initialisation, dropout, shuffling and the dev split.</summary>
    [JsonPropertyName("seed")] public int Seed { get; init; } = 42;
    /// <summary>Train in float16 mixed precision with dynamic loss scaling.</summary>
    [JsonPropertyName("fp16")] public bool Fp16 { get; init; }
    /// <summary>Train in bfloat16 mixed precision (float32 master weights).</summary>
    [JsonPropertyName("bf16")] public bool Bf16 { get; init; }
    /// <summary>Recompute each layer's activations in backward instead of keeping them (less memory, more time).</summary>
    [JsonPropertyName("gradient_checkpointing")] public bool GradientCheckpointing { get; init; }
    /// <summary>A checkpoint directory, or "true"/"last" for the newest complete checkpoint in output_dir.</summary>
    [JsonPropertyName("resume_from_checkpoint")] public string? ResumeFromCheckpoint { get; init; }
    /// <summary>
    /// adamw_hf (transformers' own AdamW, the default of the transformers versions the toolkit ran on)
    /// or adamw_torch (torch.optim.AdamW). They differ only in where epsilon and the decay enter.
    /// </summary>
    [JsonPropertyName("optim")] public string Optim { get; init; } = "adamw_hf";
    /// <summary>
    /// Data-parallel runs (mpirun): whether parameters without a gradient on some rank are allowed (they get zeros
    /// there, as in DDP). Null means HF's default: true unless gradient_checkpointing. The toolkit's LoRA recipe passes false.
    /// </summary>
    [JsonPropertyName("ddp_find_unused_parameters")] public bool? DdpFindUnusedParameters { get; init; }
    /// <summary>Turns the console progress bar off (it is also off when stderr is not a terminal).</summary>
    [JsonPropertyName("disable_tqdm")] public bool DisableTqdm { get; init; }
    /// <summary>The toolkit's switch: write training_loss.html (and training_eval_loss.html) at the end.</summary>
    [JsonPropertyName("plot_loss")] public bool PlotLoss { get; init; }

    public const string FileName = "training_args.json";

    /// <summary>HF: evaluating every n steps without eval_steps uses logging_steps.</summary>
    [JsonIgnore] public int EffectiveEvalSteps => EvalSteps ?? LoggingSteps;

    /// <summary>HF's Trainer: ddp_find_unused_parameters when given, else not gradient_checkpointing.</summary>
    [JsonIgnore] public bool EffectiveDdpFindUnusedParameters => DdpFindUnusedParameters ?? !GradientCheckpointing;

    /// <summary>HF: load_best_model_at_end without a metric compares the loss.</summary>
    [JsonIgnore] public string EffectiveMetricForBestModel => MetricForBestModel ?? "loss";

    /// <summary>HF: greater_is_better defaults to false for loss metrics and true otherwise.</summary>
    [JsonIgnore]
    public bool EffectiveGreaterIsBetter => GreaterIsBetter ?? EffectiveMetricForBestModel is not ("loss" or "eval_loss");

    /// <summary>HF's get_warmup_steps: warmup_steps when positive, else ceil(total · warmup_ratio).</summary>
    public int WarmupStepsFor(int totalSteps) =>
        WarmupSteps > 0 ? WarmupSteps : (int)Math.Ceiling(totalSteps * WarmupRatio);

    public void Validate()
    {
        void Require(bool ok, string message)
        {
            if (!ok) throw new ArgumentException(message);
        }
        Require(!string.IsNullOrWhiteSpace(OutputDir), "output_dir is required");
        Require(EvaluationStrategy is "no" or "steps" or "epoch", $"evaluation_strategy '{EvaluationStrategy}' is not one of no, steps, epoch");
        Require(SaveStrategy is "no" or "steps" or "epoch", $"save_strategy '{SaveStrategy}' is not one of no, steps, epoch");
        Require(LrSchedulerType is "linear" or "cosine" or "constant" or "constant_with_warmup",
            $"lr_scheduler_type '{LrSchedulerType}' is not one of linear, cosine, constant, constant_with_warmup");
        Require(Optim is "adamw_hf" or "adamw_torch", $"optim '{Optim}' is not one of adamw_hf, adamw_torch");
        Require(GradientAccumulationSteps >= 1, "gradient_accumulation_steps must be at least 1");
        Require(PerDeviceTrainBatchSize >= 1 && PerDeviceEvalBatchSize >= 1, "batch sizes must be at least 1");
        Require(double.IsFinite(LearningRate) && LearningRate >= 0, "learning_rate must be a finite number, not negative");
        Require(WeightDecay >= 0, "weight_decay must not be negative");
        Require(AdamBeta1 is >= 0 and < 1 && AdamBeta2 is >= 0 and < 1, "adam betas must be in [0, 1)");
        Require(AdamEpsilon > 0, "adam_epsilon must be positive");
        Require(MaxSteps > 0 || NumTrainEpochs > 0, "either max_steps or num_train_epochs must be positive");
        Require(WarmupRatio is >= 0 and <= 1, "warmup_ratio must be in [0, 1]");
        Require(WarmupSteps >= 0, "warmup_steps must not be negative");
        Require(LoggingSteps >= 1, "logging_steps must be at least 1");
        Require(EvaluationStrategy != "steps" || EffectiveEvalSteps >= 1, "eval_steps must be at least 1");
        Require(SaveStrategy != "steps" || SaveSteps >= 1, "save_steps must be at least 1");
        Require(SaveTotalLimit is null or >= 1, "save_total_limit must be at least 1");
        Require(!(Fp16 && Bf16), "fp16 and bf16 cannot both be set");
        if (LoadBestModelAtEnd)
        {
            // HF's rule: the best model must be one that was saved, so saving follows evaluation.
            Require(EvaluationStrategy != "no", "load_best_model_at_end needs an evaluation_strategy other than no");
            Require(SaveStrategy == EvaluationStrategy,
                $"load_best_model_at_end needs save_strategy ({SaveStrategy}) to match evaluation_strategy ({EvaluationStrategy})");
            Require(SaveStrategy != "steps" || SaveSteps % EffectiveEvalSteps == 0,
                $"load_best_model_at_end needs save_steps ({SaveSteps}) to be a multiple of eval_steps ({EffectiveEvalSteps})");
        }
    }

    public static TrainingArguments FromJson(string json) =>
        JsonSerializer.Deserialize<TrainingArguments>(json, new JsonSerializerOptions { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow })
        ?? throw new InvalidDataException("empty training arguments");

    public static TrainingArguments FromFile(string path)
    {
        try { return FromJson(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: invalid training arguments ({e.Message})", e); }
    }

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true });

    /// <summary>Writes training_args.json into <paramref name="dir"/> (the run's folder and every checkpoint), atomically.</summary>
    public void Save(string dir) =>
        CheckpointWriter.WriteAtomically(Path.Combine(dir, FileName), s => s.Write(System.Text.Encoding.UTF8.GetBytes(ToJson() + "\n")));
}
