using System.Text.Json.Serialization;

namespace ChatGlmLab.Metrics;

/// <summary>One ROUGE metric as rouge_chinese reports it: F-score, precision, recall (all in [0, 1]).</summary>
public sealed record RougeScore(
    [property: JsonPropertyName("f")] double F,
    [property: JsonPropertyName("p")] double P,
    [property: JsonPropertyName("r")] double R)
{
    public static RougeScore Zero { get; } = new(0.0, 0.0, 0.0);

    /// <summary>rouge_chinese's F: <c>2 * ((p * r) / (p + r + 1e-8))</c>, in that evaluation order.</summary>
    public static RougeScore FromPrecisionRecall(double precision, double recall) =>
        new(2.0 * ((precision * recall) / (precision + recall + 1e-8)), precision, recall);
}
