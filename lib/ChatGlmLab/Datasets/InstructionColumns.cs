namespace ChatGlmLab.Datasets;

/// <summary>
/// Which JSON fields hold the prompt (instruction), query (input), response (output) and history, as
/// dataset_info.json's "columns" names them. An empty or null name means the dataset has no such
/// field (read as "" / no history), as in the toolkit.
/// The toolkit's default history column is none; ours is "history" when the field exists, because
/// the seed's files carry one and ignoring it silently would change every multi-turn prompt.
/// </summary>
public sealed record InstructionColumns(string? Prompt = "instruction", string? Query = "input", string? Response = "output", string? History = "history")
{
    public static readonly InstructionColumns Default = new();

    /// <summary>
    /// Why no record could be kept when the prompt or response column (<paramref name="role"/>) names a field the file does
    /// not have: one line naming the column, the "columns" key of dataset_info.json, and the fields that are there.
    /// </summary>
    public static string MissingRequiredField(string role, string name, IEnumerable<string> fields) =>
        $"missing required column '{name}' ({role}: \"columns\": {{\"{role}\": \"{name}\"}} in dataset_info.json); " +
        $"the file has: {string.Join(", ", fields)}; fix the dataset's \"columns\" entry (or the file)";
}
