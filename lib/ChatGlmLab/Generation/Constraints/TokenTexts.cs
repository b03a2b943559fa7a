using System.Runtime.CompilerServices;
using ChatGlmLab.Tokenization;

namespace ChatGlmLab.Generation.Constraints;

/// <summary>
/// The text each token id adds to a decoded answer ("▁" as a space, ChatGLM's whitespace pieces expanded),
/// null for ids that add none (control, unknown, byte-fallback and image tokens), indexed by first character
/// so a constraint only inspects the tokens that can start with an allowed character. Built once per tokenizer.
/// </summary>
public sealed class TokenTexts
{
    private static readonly ConditionalWeakTable<ChatGlmTokenizer, TokenTexts> Cache = new();

    private readonly string?[] _texts;
    private readonly Dictionary<char, int[]> _byFirst;
    private readonly Dictionary<char, int[]> _byFirstAfterSpace;

    public static TokenTexts For(ChatGlmTokenizer tokenizer) => Cache.GetValue(tokenizer, t => new TokenTexts(t));

    private TokenTexts(ChatGlmTokenizer tokenizer)
    {
        var sp = tokenizer.Sp;
        EosId = tokenizer.EosId;
        _texts = new string?[sp.NumTokens];
        for (int id = sp.NumImageTokens; id < sp.NumTokens; id++)
        {
            var entry = sp.Model.Pieces[id - sp.NumImageTokens];
            if (entry.Type is SentencePieceType.Normal or SentencePieceType.UserDefined && entry.Piece.Length > 0)
                _texts[id] = GlmWhitespaceCodec.Postprocess(entry.Piece.Replace('▁', ' '));
        }
        SpaceId = Array.IndexOf(_texts, " ");
        _byFirst = Index(t => t[0]);
        // Decoding drops the first token's leading space, so at the start a " x…" token begins with 'x'.
        _byFirstAfterSpace = Index(t => t.Length > 1 && t[0] == ' ' ? t[1] : '\0');
    }

    public int EosId { get; }
    /// <summary>The token whose text is a single space ("▁"), or -1.</summary>
    public int SpaceId { get; }
    public int Count => _texts.Length;

    /// <summary>The text token <paramref name="id"/> adds, or null.</summary>
    public string? Text(int id) => id >= 0 && id < _texts.Length ? _texts[id] : null;

    /// <summary>Tokens whose text starts with <paramref name="first"/>.</summary>
    public IReadOnlyList<int> StartingWith(char first) => _byFirst.GetValueOrDefault(first, []);

    /// <summary>Tokens whose text is a space followed by <paramref name="first"/> (an answer's first token).</summary>
    public IReadOnlyList<int> SpaceThen(char first) => _byFirstAfterSpace.GetValueOrDefault(first, []);

    /// <summary>The answer text of generated ids as decoding gives it: texts joined, the first leading space dropped.</summary>
    public string Decode(IReadOnlyList<int> generated)
    {
        var text = new System.Text.StringBuilder();
        foreach (int id in generated)
        {
            if (id == EosId) break;
            text.Append(Text(id));
        }
        return text.Length > 0 && text[0] == ' ' ? text.ToString(1, text.Length - 1) : text.ToString();
    }

    private Dictionary<char, int[]> Index(Func<string, char> key)
    {
        var groups = new Dictionary<char, List<int>>();
        for (int id = 0; id < _texts.Length; id++)
        {
            if (_texts[id] is not { } text) continue;
            char c = key(text);
            if (c == '\0') continue;
            if (!groups.TryGetValue(c, out var list)) groups[c] = list = [];
            list.Add(id);
        }
        return groups.ToDictionary(g => g.Key, g => g.Value.ToArray());
    }
}
