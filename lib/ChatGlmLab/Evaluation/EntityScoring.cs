using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Metrics;
using ChatGlmLab.Tasks.Ner;

namespace ChatGlmLab.Evaluation;

/// <summary>
/// How one sentence's parsed answers count in entity P/R/F1: its spans against the gold spans, plus the answers that could
/// not be parsed and the positions that did not hold the mention (or fell outside the text). Used by the NER evaluation
/// (gold history and cascade), by scoring a predictions file and by the reference tagger, so all report the same numbers for the same answers.
/// </summary>
public static class EntityScoring
{
    /// <summary>The entities as the (type, start, end) spans the scorer compares; the mention text plays no part.</summary>
    public static IReadOnlyList<TypedSpan> Spans(IEnumerable<NerEntity> entities) => entities.Select(e => new TypedSpan(e.Type, e.Start, e.End)).ToList();

    public static void AddSentence(EntityScorer scorer, IEnumerable<NerEntity> gold, NerParseResult parsed)
    {
        AddSentence(scorer, gold, parsed.Entities);
        scorer.AddUnparsableAnswers(parsed.UnparsableAnswers);
        scorer.AddMisalignedPositions(parsed.PositionMismatches + parsed.PositionsOutsideText);
    }

    /// <summary>One sentence's predicted entities against its gold ones (a tagger's output: nothing to parse).</summary>
    public static void AddSentence(EntityScorer scorer, IEnumerable<NerEntity> gold, IEnumerable<NerEntity> predicted) =>
        scorer.Add(Spans(gold), Spans(predicted));

    /// <summary>Each sentence's predicted entities (e.g. a tagger's) against its gold ones, in order.</summary>
    public static EntityEvaluation Score(IReadOnlyList<NerExample> gold, IReadOnlyList<IReadOnlyList<NerEntity>> predicted)
    {
        if (gold.Count != predicted.Count) throw new ArgumentException($"{gold.Count} gold sentences but {predicted.Count} predicted ones");
        var scorer = new EntityScorer();
        for (int i = 0; i < gold.Count; i++) AddSentence(scorer, gold[i].Entities, predicted[i]);
        return scorer.Result();
    }
}
