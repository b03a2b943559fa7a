namespace ChatGlmLab.Generation.Constraints;

/// <summary>Which items a <see cref="DelimitedListConstraint"/> accepts, as a prefix test a decoder can use step by step.</summary>
public interface IItemRule
{
    /// <summary>true when <paramref name="item"/> can still become an accepted item.</summary>
    bool IsPrefix(string item);
    /// <summary>true when <paramref name="item"/> is an accepted item as it stands.</summary>
    bool IsComplete(string item);
    /// <summary>Every character that may follow <paramref name="item"/> within an item (a superset is fine).</summary>
    IEnumerable<char> NextCharacters(string item);
}

/// <summary>Items from a fixed set, e.g. the label names of the entity-type question.</summary>
public sealed class ChoiceItems(IEnumerable<string> choices) : IItemRule
{
    private readonly string[] _choices = choices.Where(c => c.Length > 0).Distinct().ToArray();

    public bool IsPrefix(string item) => _choices.Any(c => c.StartsWith(item, StringComparison.Ordinal));
    public bool IsComplete(string item) => _choices.Contains(item);
    public IEnumerable<char> NextCharacters(string item) =>
        _choices.Where(c => c.Length > item.Length && c.StartsWith(item, StringComparison.Ordinal)).Select(c => c[item.Length]).Distinct();
}

/// <summary>Non-empty substrings of a text, e.g. the mentions of the entities of one sentence.</summary>
public sealed class SubstringItems(string text) : IItemRule
{
    public bool IsPrefix(string item) => text.Contains(item, StringComparison.Ordinal);
    public bool IsComplete(string item) => item.Length > 0 && IsPrefix(item);

    public IEnumerable<char> NextCharacters(string item)
    {
        var next = new HashSet<char>();
        for (int i = text.IndexOf(item, StringComparison.Ordinal); i >= 0 && i + item.Length < text.Length;
             i = text.IndexOf(item, i + 1, StringComparison.Ordinal))
            next.Add(text[i + item.Length]);
        return next;
    }
}
