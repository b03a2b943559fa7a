using System.Text.Json.Serialization;
using ChatGlmLab.Metrics;

namespace ChatGlmLab.Experiments;

/// <summary>The reference tagger's column of the comparison: its entity scores on the dev sentences and what its training cost.</summary>
public sealed record TaggerResult
{
    public const string DefaultName = "tagger (BiLSTM-CRF)";

    [JsonPropertyName("name")] public string Name { get; init; } = DefaultName;
    [JsonPropertyName("settings")] public required string Settings { get; init; }
    /// <summary>Its spans against the gold ones, with the same scorer as the fine-tuned models' cascade.</summary>
    [JsonPropertyName("entity")] public required EntityEvaluation Entity { get; init; }
    [JsonPropertyName("trainable_params")] public long TrainableParameters { get; init; }
    [JsonPropertyName("epochs")] public double Epochs { get; init; }
    [JsonPropertyName("steps")] public int Steps { get; init; }
    [JsonPropertyName("train_seconds")] public double TrainSeconds { get; init; }
    /// <summary>Mean CRF negative log-likelihood per sentence, per pass over the train sentences.</summary>
    [JsonPropertyName("epoch_losses")] public IReadOnlyList<double> EpochLosses { get; init; } = [];
    [JsonPropertyName("untaggable_train_sentences")] public int UntaggableTrainSentences { get; init; }
    [JsonPropertyName("predict_seconds")] public double PredictSeconds { get; init; }
    [JsonPropertyName("peak_rss_bytes")] public long PeakResidentBytes { get; init; }
}
