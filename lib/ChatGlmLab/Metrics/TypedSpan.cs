using System.Text.Json.Serialization;

namespace ChatGlmLab.Metrics;

/// <summary>
/// An entity mention: its type and its character offsets in the sentence, <see cref="End"/> EXCLUSIVE
/// (CLUENER's inclusive end + 1). Equality is strict: same type, same start, same end.
/// </summary>
public sealed record TypedSpan(string Type, int Start, int End)
{
    [JsonPropertyName("type")]
    public string Type { get; init; } = !string.IsNullOrEmpty(Type)
        ? Type
        : throw new ArgumentException("A span needs a type.", nameof(Type));

    [JsonPropertyName("start")]
    public int Start { get; init; } = Start >= 0
        ? Start
        : throw new ArgumentOutOfRangeException(nameof(Start), Start, "A span cannot start before 0.");

    /// <summary>One past the last character.</summary>
    [JsonPropertyName("end")]
    public int End { get; init; } = End > Start
        ? End
        : throw new ArgumentOutOfRangeException(nameof(End), End, $"A span must end after its start ({Start}); End is exclusive.");

    [JsonIgnore]
    public int Length => End - Start;

    public override string ToString() => $"{Type}[{Start},{End})";
}
