using ChatGlmLab.Modeling;
using ChatGlmLab.Tokenization;
using static TorchSharp.torch;

namespace ChatGlmLab.Generation;

/// <summary>
/// ChatGLM-6B's chat() / stream_chat(): the prompt is built from the query and the history with the
/// "chatglm" template, generation uses chat()'s defaults (sampling, top_p 0.7, temperature 0.95,
/// max_length 2048, the invalid-score guard) unless options are given, and the reply goes through
/// process_response. Each call returns the reply and the history extended by this turn.
/// </summary>
public sealed class ChatSession(ChatGlmForConditionalGeneration model, ChatGlmTokenizer tokenizer)
{
    public static GenerationOptions ChatDefaults { get; } = new() { MaxLength = 2048, DoSample = true, TopP = 0.7, Temperature = 0.95 };

    public PromptTemplate Template { get; init; } = PromptTemplate.Get(PromptTemplate.ChatGlmName);

    /// <summary>The prompt length, new tokens and seconds of the last <see cref="Chat"/> call (null before the first).</summary>
    public GenerationSpeed? LastTurn { get; private set; }

    public (string Response, IReadOnlyList<(string Query, string Response)> History) Chat(
        string query, IReadOnlyList<(string Query, string Response)>? history = null, GenerationOptions? options = null,
        Action<string>? onPartialResponse = null)
    {
        history ??= [];
        string prompt = Template.BuildPrompt(query, history);
        var promptIds = tokenizer.Encode(prompt, addSpecialTokens: true);
        var input = tensor(promptIds.Select(i => (long)i).ToArray(), [1, promptIds.Length]);

        var generated = new List<int>();
        Action<long[]>? stream = onPartialResponse == null ? null : tokens =>
        {
            generated.Add((int)tokens[0]);
            onPartialResponse(ChatGlmTokenizer.ProcessResponse(tokenizer.Decode(generated)));
        };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var output = TextGenerator.Generate(model, input, options ?? ChatDefaults, onTokens: stream);
        var newIds = output[0].narrow(0, promptIds.Length, output.shape[1] - promptIds.Length).data<long>().Select(i => (int)i).ToList();
        LastTurn = new GenerationSpeed(promptIds.Length, newIds.Count, clock.Elapsed.TotalSeconds);
        string response = ChatGlmTokenizer.ProcessResponse(tokenizer.Decode(newIds));
        return (response, [.. history, (query, response)]);
    }
}

/// <summary>How fast a generation ran: prompt tokens, new tokens and wall time (prefill included).</summary>
public sealed record GenerationSpeed(int PromptTokens, int NewTokens, double Seconds)
{
    public double TokensPerSecond => NewTokens / Math.Max(Seconds, 1e-9);
    public override string ToString() => $"{NewTokens} tokens in {Seconds:F1} s, {TokensPerSecond:F2} tokens/s (prompt {PromptTokens} tokens)";
}
