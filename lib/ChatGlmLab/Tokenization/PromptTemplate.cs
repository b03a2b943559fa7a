using System.Text;

namespace ChatGlmLab.Tokenization;

/// <summary>
/// How a query and the conversation history become one prompt string. One type so that the data pipeline,
/// the trainer and chat build identical prompts. Named templates:
/// <list type="bullet">
/// <item><c>chatglm</c> (default): ChatGLM-6B <c>chat()</c>/<c>stream_chat()</c> — the bare query without history,
/// otherwise <c>"[Round {i}]\n问：{q}\n答：{r}\n"</c> per past turn (i from 0) and <c>"[Round {n}]\n问：{query}\n答："</c>.</item>
/// <item><c>chatglm-cet</c>: ChatGLM-Efficient-Tuning v0.1.5 SFT — always rounds, numbered from 1:
/// <c>"[Round {j+1}]\n\n问：{q}\n\n答：{r}\n\n"</c> per past turn and <c>"[Round {n+1}]\n\n问：{query}\n\n答："</c>.</item>
/// </list>
/// </summary>
public sealed class PromptTemplate
{
    public const string ChatGlmName = "chatglm";
    public const string ChatGlmCetName = "chatglm-cet";

    private static readonly Dictionary<string, PromptTemplate> Templates = new(StringComparer.Ordinal)
    {
        [ChatGlmName] = new(ChatGlmName, firstRound: 0, separator: "\n", bareQueryWithoutHistory: true),
        [ChatGlmCetName] = new(ChatGlmCetName, firstRound: 1, separator: "\n\n", bareQueryWithoutHistory: false),
    };

    private readonly int _firstRound;
    private readonly string _separator;
    private readonly bool _bareQueryWithoutHistory;

    private PromptTemplate(string name, int firstRound, string separator, bool bareQueryWithoutHistory)
    {
        Name = name;
        _firstRound = firstRound;
        _separator = separator;
        _bareQueryWithoutHistory = bareQueryWithoutHistory;
    }

    public string Name { get; }

    public static IReadOnlyCollection<string> Names => Templates.Keys;

    public static PromptTemplate Default => Templates[ChatGlmName];

    public static PromptTemplate Get(string name) =>
        Templates.TryGetValue(name, out var template)
            ? template
            : throw new ArgumentException($"unknown prompt template '{name}' (known: {string.Join(", ", Templates.Keys)})", nameof(name));

    public string BuildPrompt(string query, IReadOnlyList<(string Query, string Response)>? history = null)
    {
        history ??= [];
        if (history.Count == 0 && _bareQueryWithoutHistory) return query;
        var prompt = new StringBuilder();
        for (int i = 0; i < history.Count; i++)
            prompt.Append("[Round ").Append(_firstRound + i).Append(']').Append(_separator)
                .Append("问：").Append(history[i].Query).Append(_separator)
                .Append("答：").Append(history[i].Response).Append(_separator);
        prompt.Append("[Round ").Append(_firstRound + history.Count).Append(']').Append(_separator)
            .Append("问：").Append(query).Append(_separator)
            .Append("答：");
        return prompt.ToString();
    }

    public override string ToString() => Name;
}
