using System.Text.Json.Serialization;
using ChatGlmLab.Adapters;
using ChatGlmLab.Metrics;
using ChatGlmLab.Training;

namespace ChatGlmLab.Experiments;

/// <summary>Everything the comparison table shows for one column (the base model or one method).</summary>
public sealed record MethodResult
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("finetuning_type")] public required string FinetuningType { get; init; }
    [JsonPropertyName("settings")] public required string Settings { get; init; }
    [JsonPropertyName("learning_rate")] public double? LearningRate { get; init; }
    /// <summary>Gold-history predictions on the dev records: the toolkit's BLEU-4 / ROUGE (×100).</summary>
    [JsonPropertyName("generation")] public required GenerationScores Generation { get; init; }
    [JsonPropertyName("entity_gold_history")] public required EntityEvaluation GoldHistory { get; init; }
    [JsonPropertyName("entity_cascade")] public required EntityEvaluation Cascade { get; init; }
    [JsonPropertyName("entity_cascade_grounded")] public required EntityEvaluation CascadeGrounded { get; init; }
    [JsonPropertyName("trainable_params")] public long TrainableParameters { get; init; }
    [JsonPropertyName("all_params")] public long AllParameters { get; init; }
    [JsonPropertyName("trainable_percent")] public double TrainablePercent { get; init; }
    [JsonPropertyName("peak_rss_bytes")] public long PeakResidentBytes { get; init; }
    [JsonPropertyName("train_seconds")] public double TrainSeconds { get; init; }
    [JsonPropertyName("train_tokens_per_second")] public double TrainTokensPerSecond { get; init; }
    [JsonPropertyName("train_loss")] public double? TrainLoss { get; init; }
    [JsonPropertyName("loss_history")] public IReadOnlyList<StepLoss> LossHistory { get; init; } = [];
    [JsonPropertyName("predict_seconds")] public double PredictSeconds { get; init; }
    /// <summary>Generated tokens per second over the whole evaluation (gold-history records and the cascade).</summary>
    [JsonPropertyName("predict_tokens_per_second")] public double PredictTokensPerSecond { get; init; }
    [JsonPropertyName("generated_tokens_per_sentence")] public double GeneratedTokensPerSentence { get; init; }
    [JsonPropertyName("output_dir")] public string? OutputDir { get; init; }
}

/// <summary>The whole comparison: what was run and every column's results.</summary>
public sealed record ComparisonResult
{
    [JsonPropertyName("base_model")] public required string BaseModel { get; init; }
    [JsonPropertyName("train_sentences")] public int TrainSentences { get; init; }
    [JsonPropertyName("train_records")] public int TrainRecords { get; init; }
    [JsonPropertyName("dev_sentences")] public int DevSentences { get; init; }
    [JsonPropertyName("dev_records")] public int DevRecords { get; init; }
    [JsonPropertyName("finetune_steps")] public int FinetuneSteps { get; init; }
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; }
    [JsonPropertyName("seed")] public int Seed { get; init; }
    [JsonPropertyName("compute")] public required string Compute { get; init; }
    [JsonPropertyName("decoding")] public required string Decoding { get; init; }
    [JsonPropertyName("machine")] public required string Machine { get; init; }
    [JsonPropertyName("seconds")] public double Seconds { get; init; }
    [JsonPropertyName("methods")] public required IReadOnlyList<MethodResult> Methods { get; init; }
    /// <summary>The reference tagger's column (null when it was not run).</summary>
    [JsonPropertyName("tagger")] public TaggerResult? Tagger { get; init; }
    /// <summary>The train and dev files.</summary>
    [JsonPropertyName("corpus")] public string? Corpus { get; init; }
    /// <summary>Published results on the same benchmark, printed beside the table (not measured here).</summary>
    [JsonPropertyName("published_results")] public IReadOnlyList<PublishedResult> PublishedResults { get; init; } = [];
}
