using System.Text.Json.Serialization;
using ChatGlmLab.Generation;

namespace ChatGlmLab.Cli;

/// <summary>
/// Decoding arguments (HF generate()'s names). All optional: each command starts from its own defaults
/// (the toolkit's evaluation sampling for predict, chat()'s for chat) and only what is given changes.
/// </summary>
public sealed record GenerationArguments
{
    /// <summary>Sample instead of greedy decoding.</summary>
    [JsonPropertyName("do_sample")] public bool? DoSample { get; init; }
    /// <summary>Sampling temperature.</summary>
    [JsonPropertyName("temperature")] public double? Temperature { get; init; }
    /// <summary>Sample among the likeliest tokens whose probabilities add up to top_p.</summary>
    [JsonPropertyName("top_p")] public double? TopP { get; init; }
    /// <summary>Sample among the k likeliest tokens (0: no limit).</summary>
    [JsonPropertyName("top_k")] public int? TopK { get; init; }
    /// <summary>Tokens generated at most per answer (wins over max_length).</summary>
    [JsonPropertyName("max_new_tokens")] public int? MaxNewTokens { get; init; }
    /// <summary>Longest prompt + answer in tokens (used when max_new_tokens is not given).</summary>
    [JsonPropertyName("max_length")] public int? MaxLength { get; init; }
    /// <summary>Divide the logits of tokens already present by this (1: none).</summary>
    [JsonPropertyName("repetition_penalty")] public double? RepetitionPenalty { get; init; }

    public GenerationOptions Apply(GenerationOptions defaults, long? seed)
    {
        if (Temperature is <= 0) throw new CliUsageException("--temperature must be positive");
        if (TopP is <= 0 or > 1) throw new CliUsageException("--top_p must be in (0, 1]");
        if (TopK is < 0) throw new CliUsageException("--top_k must not be negative");
        if (MaxNewTokens is < 1) throw new CliUsageException("--max_new_tokens must be at least 1");
        if (MaxLength is < 1) throw new CliUsageException("--max_length must be at least 1");
        if (RepetitionPenalty is <= 0) throw new CliUsageException("--repetition_penalty must be positive");
        return defaults with
        {
            DoSample = DoSample ?? defaults.DoSample,
            Temperature = Temperature ?? defaults.Temperature,
            TopP = TopP ?? defaults.TopP,
            TopK = TopK ?? defaults.TopK,
            // max_new_tokens wins over max_length in generate(); giving only max_length drops the default max_new_tokens.
            MaxNewTokens = MaxNewTokens ?? (MaxLength != null ? null : defaults.MaxNewTokens),
            MaxLength = MaxLength ?? defaults.MaxLength,
            RepetitionPenalty = RepetitionPenalty ?? defaults.RepetitionPenalty,
            Seed = seed ?? defaults.Seed,
        };
    }
}
