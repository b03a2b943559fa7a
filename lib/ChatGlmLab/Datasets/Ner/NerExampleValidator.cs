namespace ChatGlmLab.Datasets.Ner;

/// <summary>The checks every reader applies to a span: inside the text, non-empty, text matches the mention.</summary>
public static class NerExampleValidator
{
    /// <summary>Null when the entity is valid for <paramref name="text"/>, else why not.</summary>
    public static string? Problem(string text, NerEntity e)
    {
        if (string.IsNullOrEmpty(e.Type))
            return $"entity '{e.Mention}' has an empty type";
        if (e.Start < 0 || e.End > text.Length || e.Start >= e.End)
            return $"span [{e.Start}, {e.End}) of '{e.Mention}' ({e.Type}) is outside the text of length {text.Length} or empty";
        var actual = text.Substring(e.Start, e.End - e.Start);
        if (actual != e.Mention)
            return $"span [{e.Start}, {e.End}) of type {e.Type} covers '{actual}' but its mention is '{e.Mention}'";
        return null;
    }

    public static string? Problem(NerExample example)
    {
        foreach (var e in example.Entities)
            if (Problem(example.Text, e) is { } p)
                return p;
        return null;
    }
}
