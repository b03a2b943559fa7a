using System.Text.Json.Serialization;

namespace ChatGlmLab.Metrics;

/// <summary>
/// Entity-level results of an evaluation: strict-match micro scores over all types, scores per type
/// (sorted by type name, ordinal), and the answer-quality counters the caller reported.
/// </summary>
public sealed record EntityEvaluation(
    [property: JsonPropertyName("sentences")] int Sentences,
    [property: JsonPropertyName("micro")] PrecisionRecallF1 Micro,
    [property: JsonPropertyName("per_type")] IReadOnlyDictionary<string, PrecisionRecallF1> PerType,
    [property: JsonPropertyName("unparsable_answers")] int UnparsableAnswers,
    [property: JsonPropertyName("misaligned_positions")] int MisalignedPositions,
    [property: JsonPropertyName("duplicate_gold_ignored")] int DuplicateGoldIgnored,
    [property: JsonPropertyName("duplicate_predictions_ignored")] int DuplicatePredictionsIgnored);
