namespace ChatGlmLab.Datasets;

/// <summary>
/// One Alpaca-style supervised example as the Python toolkit (ChatGLM-Efficient-Tuning) reads it.
/// <see cref="History"/> holds earlier (query, response) turns exactly as stored, including the seed's
/// padding pairs ("", "") — the toolkit renders those as empty rounds, so they must be kept.
/// </summary>
public sealed record InstructionRecord(
    string Instruction,
    string Input,
    string Output,
    IReadOnlyList<(string Query, string Response)> History)
{
    /// <summary>The toolkit's query: instruction + input with no separator.</summary>
    public string Query => Instruction + Input;

    public static readonly IReadOnlyList<(string Query, string Response)> NoHistory = Array.Empty<(string, string)>();

    /// <summary>Content equality (records compare lists by reference).</summary>
    public bool SameAs(InstructionRecord other) =>
        Instruction == other.Instruction && Input == other.Input && Output == other.Output &&
        History.SequenceEqual(other.History);
}
