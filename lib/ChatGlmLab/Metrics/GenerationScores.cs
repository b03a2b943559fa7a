using System.Text.Json.Serialization;

namespace ChatGlmLab.Metrics;

/// <summary>
/// The toolkit's generation metrics under its key names: BLEU-4 and ROUGE-1/2/L F-scores ×100 rounded
/// to 4 decimals, and the prefix-match accuracy (0 or 1 per pair). Used for one pair and for the corpus
/// mean. Serialises with System.Text.Json to <c>{"accuracy":..,"bleu-4":..,"rouge-1":..,"rouge-2":..,"rouge-l":..}</c>
/// (keys in sorted order, as the trainer's save_metrics writes them).
/// </summary>
public sealed record GenerationScores(
    [property: JsonPropertyName(MetricNames.Accuracy)] double Accuracy,
    [property: JsonPropertyName(MetricNames.Bleu4)] double Bleu4,
    [property: JsonPropertyName(MetricNames.Rouge1)] double Rouge1,
    [property: JsonPropertyName(MetricNames.Rouge2)] double Rouge2,
    [property: JsonPropertyName(MetricNames.RougeL)] double RougeL)
{
    /// <summary>The scores keyed by metric name, each key prefixed (e.g. "predict_" gives "predict_bleu-4").</summary>
    public Dictionary<string, double> ToDictionary(string keyPrefix = "") => new()
    {
        [keyPrefix + MetricNames.Accuracy] = Accuracy,
        [keyPrefix + MetricNames.Bleu4] = Bleu4,
        [keyPrefix + MetricNames.Rouge1] = Rouge1,
        [keyPrefix + MetricNames.Rouge2] = Rouge2,
        [keyPrefix + MetricNames.RougeL] = RougeL,
    };
}
