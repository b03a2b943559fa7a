namespace ChatGlmLab.Generation;

/// <summary>
/// The input already reaches max_length, so generate() could add nothing (Hugging Face only logs a warning and returns
/// the input, which reads as an empty reply). Says how long the input is and what to change.
/// </summary>
public sealed class PromptTooLongException(int promptTokens, int maxLength) : ArgumentException(Describe(promptTokens, maxLength, ""))
{
    public int PromptTokens { get; } = promptTokens;
    public int MaxLength { get; } = maxLength;

    /// <summary>The message with the settings spelled as a host names them (the CLI: "--max_length").</summary>
    public string Describe(string settingPrefix) => Describe(PromptTokens, MaxLength, settingPrefix);

    private static string Describe(int promptTokens, int maxLength, string prefix) =>
        $"the input is {promptTokens} tokens (prompt template included), which leaves no room under {prefix}max_length {maxLength}: " +
        $"nothing can be generated; raise {prefix}max_length above {promptTokens} (or set {prefix}max_new_tokens), or shorten the input";
}
