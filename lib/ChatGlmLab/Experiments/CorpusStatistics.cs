using ChatGlmLab.Datasets.Ner;

namespace ChatGlmLab.Experiments;

/// <summary>
/// What a NER corpus holds: sentences, mentions per type (most frequent first), overlapping entities,
/// and length percentiles — shown by <c>chatglm-lab data stats</c> and charted by the dataset notebook.
/// </summary>
public sealed record CorpusStatistics(
    int Sentences, int SentencesWithoutEntities, int SentencesWithOverlappingEntities, int Mentions,
    IReadOnlyDictionary<string, int> MentionsPerType, IReadOnlyDictionary<string, int> TextLength, IReadOnlyDictionary<string, int> MentionLength)
{
    public static CorpusStatistics Of(IReadOnlyList<NerExample> examples)
    {
        var lengths = examples.Select(e => CodePointOffsets.CodePointLength(e.Text)).Order().ToArray();
        var mentionLengths = examples.SelectMany(e => e.Entities).Select(e => CodePointOffsets.CodePointLength(e.Mention)).Order().ToArray();
        var perType = examples.SelectMany(e => e.Entities).GroupBy(e => e.Type)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count());
        int overlapping = examples.Count(e => e.Entities.Any(a => e.Entities.Any(b => !ReferenceEquals(a, b) && a.Start < b.End && b.Start < a.End)));
        return new CorpusStatistics(examples.Count, examples.Count(e => e.Entities.Count == 0), overlapping, mentionLengths.Length,
            perType, Percentiles(lengths), Percentiles(mentionLengths));
    }

    /// <summary>Nearest-rank percentiles of sorted values (0 for none).</summary>
    public static IReadOnlyDictionary<string, int> Percentiles(int[] sorted)
    {
        int At(double p) => sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Dictionary<string, int>
        {
            ["min"] = sorted.Length == 0 ? 0 : sorted[0], ["p50"] = At(50), ["p90"] = At(90), ["p95"] = At(95), ["p99"] = At(99),
            ["max"] = sorted.Length == 0 ? 0 : sorted[^1],
        };
    }
}
