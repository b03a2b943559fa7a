using System.Text.Json.Serialization;

namespace ChatGlmLab.Metrics;

/// <summary>
/// One prediction/label pair: the rounded scores the toolkit averages, plus the unrounded values and
/// the jieba tokens behind them (for debugging a difference).
/// </summary>
public sealed record GenerationPairResult(
    [property: JsonPropertyName("predict")] string Prediction,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("scores")] GenerationScores Scores,
    [property: JsonPropertyName("bleu_raw")] double RawBleu4,
    [property: JsonPropertyName("rouge_raw")] RougeScores RawRouge,
    [property: JsonPropertyName("jieba_prediction")] IReadOnlyList<string> PredictionTokens,
    [property: JsonPropertyName("jieba_label")] IReadOnlyList<string> LabelTokens);
