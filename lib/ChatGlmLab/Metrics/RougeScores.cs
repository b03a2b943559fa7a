using System.Text.Json.Serialization;

namespace ChatGlmLab.Metrics;

/// <summary>ROUGE-1, ROUGE-2 and ROUGE-L of one hypothesis/reference pair.</summary>
public sealed record RougeScores(
    [property: JsonPropertyName("rouge-1")] RougeScore Rouge1,
    [property: JsonPropertyName("rouge-2")] RougeScore Rouge2,
    [property: JsonPropertyName("rouge-l")] RougeScore RougeL)
{
    public static RougeScores Zero { get; } = new(RougeScore.Zero, RougeScore.Zero, RougeScore.Zero);
}
