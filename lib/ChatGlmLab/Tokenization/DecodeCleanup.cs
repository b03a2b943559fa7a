namespace ChatGlmLab.Tokenization;

/// <summary>transformers' <c>clean_up_tokenization</c>, applied by <c>decode</c> by default (clean_up_tokenization_spaces=True).</summary>
internal static class DecodeCleanup
{
    public static string CleanUpTokenization(string text) => text
        .Replace(" .", ".")
        .Replace(" ?", "?")
        .Replace(" !", "!")
        .Replace(" ,", ",")
        .Replace(" ' ", "'")
        .Replace(" n't", "n't")
        .Replace(" 'm", "'m")
        .Replace(" 's", "'s")
        .Replace(" 've", "'ve")
        .Replace(" 're", "'re");
}
