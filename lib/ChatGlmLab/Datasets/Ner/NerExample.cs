namespace ChatGlmLab.Datasets.Ner;

/// <summary>A sentence and its typed spans (any order; readers keep text order: start, then end).</summary>
public sealed record NerExample(string Text, IReadOnlyList<NerEntity> Entities)
{
    /// <summary>The entities sorted by start, then end, then type — the order every builder uses.</summary>
    public IReadOnlyList<NerEntity> EntitiesInTextOrder() =>
        Entities.OrderBy(e => e.Start).ThenBy(e => e.End).ThenBy(e => e.Type, StringComparer.Ordinal).ToList();

    /// <summary>Equality by content (records compare lists by reference).</summary>
    public bool SameAs(NerExample other) =>
        Text == other.Text && Entities.Count == other.Entities.Count &&
        EntitiesInTextOrder().SequenceEqual(other.EntitiesInTextOrder());
}
