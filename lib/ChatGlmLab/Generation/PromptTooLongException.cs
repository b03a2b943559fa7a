namespace ChatGlmLab.Generation;

/// <summary>
/// The input already reaches max_length, so generate() could add nothing (Hugging Face only logs a warning and returns
/// the input, which reads as an empty reply). Says how long the input is and what to change.
/// </summary>
public sealed class PromptTooLongException(int promptTokens, int maxLength) : ArgumentException(
    $"the input is {promptTokens} tokens (prompt template and any history included), which leaves no room under max_length {maxLength}: " +
    $"nothing can be generated; raise max_length above {promptTokens} (or set max_new_tokens), shorten the input, or clear the chat history")
{
    public int PromptTokens { get; } = promptTokens;
    public int MaxLength { get; } = maxLength;
}
