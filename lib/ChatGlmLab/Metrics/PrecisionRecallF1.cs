using System.Text.Json.Serialization;

namespace ChatGlmLab.Metrics;

/// <summary>
/// Counts of strict matches and the scores derived from them. A ratio whose denominator is 0 is 0
/// (no predictions: precision 0; no gold: recall 0; both 0: F1 0), as seqeval and sklearn's
/// zero_division=0 report it.
/// </summary>
public sealed record PrecisionRecallF1(
    [property: JsonPropertyName("true_positives")] int TruePositives,
    [property: JsonPropertyName("false_positives")] int FalsePositives,
    [property: JsonPropertyName("false_negatives")] int FalseNegatives)
{
    [JsonPropertyName("precision")]
    public double Precision => Ratio(TruePositives, TruePositives + FalsePositives);

    [JsonPropertyName("recall")]
    public double Recall => Ratio(TruePositives, TruePositives + FalseNegatives);

    [JsonPropertyName("f1")]
    public double F1 => Precision + Recall == 0 ? 0.0 : 2 * Precision * Recall / (Precision + Recall);

    /// <summary>Spans predicted (= TP + FP).</summary>
    [JsonIgnore]
    public int Predicted => TruePositives + FalsePositives;

    /// <summary>Gold spans (= TP + FN).</summary>
    [JsonIgnore]
    public int Gold => TruePositives + FalseNegatives;

    public static PrecisionRecallF1 Zero { get; } = new(0, 0, 0);

    public PrecisionRecallF1 Plus(PrecisionRecallF1 other) => new(
        TruePositives + other.TruePositives,
        FalsePositives + other.FalsePositives,
        FalseNegatives + other.FalseNegatives);

    private static double Ratio(int numerator, int denominator) => denominator == 0 ? 0.0 : (double)numerator / denominator;
}
