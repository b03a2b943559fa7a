using ChatGlmLab.Datasets.Ner;

namespace ChatGlmLab.Taggers;

/// <summary>
/// The tagger's output classes: BIO over the entity types, id 0 = "O", then "B-type", "I-type" per type in the given
/// order. Converting uses the kit's one BIO rule in both directions (<see cref="TagSequenceEncoder"/>,
/// <see cref="TagSequenceDecoder"/>). <see cref="Allowed"/> is the BIO grammar the CRF enforces, so every decoded
/// sequence converts without repair: "I-t" only after "B-t" or "I-t", and never first.
/// </summary>
public sealed class BioTagSet
{
    public const int Outside = 0;
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

    public BioTagSet(IEnumerable<string> types)
    {
        Types = types.Distinct(StringComparer.Ordinal).ToList();
        Tags = Types.SelectMany(t => new[] { "B-" + t, "I-" + t }).Prepend("O").ToList();
        for (int i = 0; i < Tags.Count; i++) _ids[Tags[i]] = i;
    }

    public IReadOnlyList<string> Types { get; }
    /// <summary>Tag names by id.</summary>
    public IReadOnlyList<string> Tags { get; }
    public int Count => Tags.Count;

    /// <summary>
    /// The sentence's tag ids, or null when it cannot be tagged one tag per character: two of its spans overlap, or a
    /// span has a type outside the set (the caller counts and reports such sentences).
    /// </summary>
    public long[]? TryEncode(NerExample example)
    {
        var entities = example.EntitiesInTextOrder();
        for (int i = 0; i < entities.Count; i++)
            if (!_ids.ContainsKey("B-" + entities[i].Type) || (i > 0 && entities[i].Start < entities[i - 1].End))
                return null;
        return TagSequenceEncoder.Encode(example, TagScheme.Bio).Select(t => (long)_ids[t]).ToArray();
    }

    /// <summary>Tag ids of <paramref name="text"/> → its entities (the ids must follow the BIO grammar, as the CRF's decoding does).</summary>
    public IReadOnlyList<NerEntity> Decode(string text, IReadOnlyList<int> tagIds) =>
        TagSequenceDecoder.Decode(text, tagIds.Select(i => Tags[i]).ToList(), TagScheme.Bio);

    /// <summary>Whether tag <paramref name="to"/> may follow tag <paramref name="from"/>; from = null: may start a sentence.</summary>
    public bool Allowed(int? from, int to)
    {
        string next = Tags[to];
        if (!next.StartsWith("I-", StringComparison.Ordinal)) return true;
        return from is int f && Tags[f].Length > 2 && Tags[f][2..] == next[2..];
    }
}
