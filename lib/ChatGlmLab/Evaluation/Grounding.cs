using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Tasks.Ner;

namespace ChatGlmLab.Evaluation;

/// <summary>
/// Grounded decoding by verification: answers are checked against what the question allows and
/// repaired where they are not — types restricted to the label set, mentions to substrings of the
/// sentence, and position answers whose span does not hold the mention replaced by the mention's
/// occurrences in the sentence. Reported beside the raw scores, never instead of them.
/// </summary>
public sealed class Grounding(NerInstructionBuilder builder, NerAnswerParser parser)
{
    public IReadOnlyList<string> Types(string answer)
    {
        var (types, _) = parser.ParseTypes(answer);
        var labels = builder.Options.Labels;
        return types.Where(labels.Contains).Distinct().ToList();
    }

    public IReadOnlyList<string> Mentions(string text, string answer) =>
        parser.ParseMentions(answer).Where(m => m.Length > 0 && text.Contains(m, StringComparison.Ordinal)).Distinct().ToList();

    /// <summary>The position answer, with spans that do not hold the mention replaced by its occurrences.</summary>
    public string Positions(string text, string type, string mention, string answer)
    {
        var spans = parser.ParsePositions(answer) ?? [];
        var valid = spans.Where(s => SpanHolds(text, s.Start, s.End, mention)).ToList();
        var entities = valid.Count > 0
            ? valid.Select(s => ToEntity(text, type, s.Start, s.End, mention))
            : Occurrences(text, mention).Select(start => new NerEntity(type, start, start + mention.Length, mention));
        var list = entities.ToList();
        return list.Count == 0 ? answer : string.Join(builder.Options.Separator, list.Select(e => builder.FormatSpan(text, e)));
    }

    private static bool SpanHolds(string text, int codePointStart, int codePointEnd, string mention)
    {
        if (codePointStart < 0 || codePointStart >= codePointEnd || codePointEnd > CodePointOffsets.CodePointLength(text)) return false;
        int s = CodePointOffsets.ToUtf16(text, codePointStart), e = CodePointOffsets.ToUtf16(text, codePointEnd);
        return text.AsSpan(s, e - s).SequenceEqual(mention);
    }

    private static NerEntity ToEntity(string text, string type, int s, int e, string mention)
    {
        return new NerEntity(type, CodePointOffsets.ToUtf16(text, s), CodePointOffsets.ToUtf16(text, e), mention);
    }

    private static IEnumerable<int> Occurrences(string text, string mention)
    {
        if (mention.Length == 0) yield break;
        for (int i = text.IndexOf(mention, StringComparison.Ordinal); i >= 0; i = text.IndexOf(mention, i + mention.Length, StringComparison.Ordinal))
            yield return i;
    }
}
