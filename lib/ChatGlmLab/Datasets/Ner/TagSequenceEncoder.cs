namespace ChatGlmLab.Datasets.Ner;

/// <summary>
/// Spans → per-character tags in a scheme (the inverse of <see cref="TagSequenceDecoder"/>). Overlapping
/// spans cannot be tagged one tag per character, so they are refused.
/// </summary>
public static class TagSequenceEncoder
{
    public static string[] Encode(NerExample example, TagScheme scheme)
    {
        var tags = Enumerable.Repeat("O", example.Text.Length).ToArray();
        var middle = scheme == TagScheme.Bmes ? "M" : "I";
        foreach (var e in example.EntitiesInTextOrder())
        {
            for (var i = e.Start; i < e.End; i++)
                if (tags[i] != "O")
                    throw new ArgumentException($"overlapping spans at character {i} of '{example.Text}' cannot be written as tags");
            if (scheme == TagScheme.Bio)
            {
                tags[e.Start] = "B-" + e.Type;
                for (var i = e.Start + 1; i < e.End; i++) tags[i] = "I-" + e.Type;
                continue;
            }
            if (e.Length == 1)
            {
                tags[e.Start] = "S-" + e.Type;
                continue;
            }
            tags[e.Start] = "B-" + e.Type;
            for (var i = e.Start + 1; i < e.End - 1; i++) tags[i] = middle + "-" + e.Type;
            tags[e.End - 1] = "E-" + e.Type;
        }
        return tags;
    }
}
