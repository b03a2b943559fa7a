using System.Text.Json.Serialization;

namespace ChatGlmLab.Metrics;

/// <summary>The corpus scores (what the toolkit returns) and the per-pair results they average.</summary>
public sealed record GenerationMetricsResult(
    [property: JsonPropertyName("corpus")] GenerationScores Corpus,
    [property: JsonPropertyName("pairs")] IReadOnlyList<GenerationPairResult> Pairs);
