namespace ChatGlmLab.Tasks.Ner;

/// <summary>How a single-pass answer lists all entities of a sentence.</summary>
public enum SinglePassFormat
{
    /// <summary>Compact JSON: <c>{"type":["mention",...],...}</c>, types in order of first appearance, mentions in text order (duplicates kept).</summary>
    Json,

    /// <summary><c>type:mention$type:mention</c> in text order.</summary>
    TypeMention,
}
