namespace ChatGlmLab.Datasets.Synthetic;

/// <summary>
/// A clause pattern: literal text with slots "{Type}" or "{Type:list}", e.g.
/// "{拆卸动作}将{操作部件1}固定到{操作部件位置1}的{操作部件2}". Type is the entity type the filled
/// word is annotated with; list names a narrower word list for that type (see <see cref="SlotFiller"/>).
/// </summary>
public sealed class SentenceTemplate
{
    public abstract record Segment;
    public sealed record Literal(string Text) : Segment;
    public sealed record Slot(string Type, string? List) : Segment;

    public SentenceTemplate(string pattern)
    {
        Pattern = pattern;
        var segments = new List<Segment>();
        var i = 0;
        while (i < pattern.Length)
        {
            var open = pattern.IndexOf('{', i);
            if (open < 0) { segments.Add(new Literal(pattern[i..])); break; }
            if (open > i) segments.Add(new Literal(pattern[i..open]));
            var close = pattern.IndexOf('}', open);
            if (close < 0) throw new ArgumentException($"unclosed slot in template '{pattern}'");
            var body = pattern[(open + 1)..close];
            var colon = body.IndexOf(':');
            segments.Add(colon < 0 ? new Slot(body, null) : new Slot(body[..colon], body[(colon + 1)..]));
            i = close + 1;
        }
        Segments = segments;
    }

    public string Pattern { get; }
    public IReadOnlyList<Segment> Segments { get; }
}
