namespace ChatGlmLab.Generation;

/// <summary>Decoding settings, named like Hugging Face generate()'s arguments.</summary>
public sealed record GenerationOptions
{
    /// <summary>New tokens to generate at most (takes precedence over <see cref="MaxLength"/>).</summary>
    public int? MaxNewTokens { get; init; }
    /// <summary>Total length (prompt + new tokens) at most; chat() uses 2048.</summary>
    public int MaxLength { get; init; } = 2048;
    /// <summary>false = greedy (reproducible); true = sample with temperature / top-k / top-p.</summary>
    public bool DoSample { get; init; }
    public double Temperature { get; init; } = 1.0;
    /// <summary>Nucleus sampling mass; 1.0 disables it. The Python toolkit evaluated with 0.7.</summary>
    public double TopP { get; init; } = 1.0;
    /// <summary>0 disables top-k.</summary>
    public int TopK { get; init; }
    /// <summary>1.0 disables it (HF's CTRL-style penalty over prompt and generated tokens).</summary>
    public double RepetitionPenalty { get; init; } = 1.0;
    /// <summary>Stop token; null = the model config's eos (&lt;eop&gt;).</summary>
    public int? EosTokenId { get; init; }
    /// <summary>Filled in after a row has stopped; null = the config's pad id.</summary>
    public int? PadTokenId { get; init; }
    /// <summary>Replace NaN/inf scores by a forced token like ChatGLM's InvalidScoreLogitsProcessor (chat() uses it).</summary>
    public bool InvalidScoreGuard { get; init; } = true;
    /// <summary>Seed of the sampling generator (null = torch's global generator).</summary>
    public long? Seed { get; init; }

    /// <summary>The Python toolkit's evaluation setting: sampling with top_p 0.7, temperature 0.95.</summary>
    public static GenerationOptions ToolkitSampling(int maxNewTokens) =>
        new() { DoSample = true, TopP = 0.7, Temperature = 0.95, MaxNewTokens = maxNewTokens };

    public string Describe() => DoSample
        ? $"sampling (temperature {Temperature}, top_p {TopP}, top_k {TopK}, seed {Seed?.ToString() ?? "none"})"
        : "greedy";
}
