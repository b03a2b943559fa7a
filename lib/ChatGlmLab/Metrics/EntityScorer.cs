namespace ChatGlmLab.Metrics;

/// <summary>
/// Strict entity-level precision / recall / F1 over sentences, micro-averaged and per type.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A predicted span counts as correct only when a gold span of the same sentence has the same
/// type, start and end. A right span with the wrong type is one false positive (predicted type) and one
/// false negative (gold type); a span with wrong offsets is likewise one FP and one FN.</item>
/// <item>Set semantics per sentence: a span listed twice (gold or predicted) counts once; how many
/// duplicates were dropped is reported, so a model that repeats itself is visible but not punished
/// twice.</item>
/// <item>Answer parsing happens elsewhere. Its caller reports answers it could not parse and positions
/// that do not match the sentence text through <see cref="AddUnparsableAnswers"/> and
/// <see cref="AddMisalignedPositions"/>; they are reported alongside, not folded into the scores.
/// The caller still adds such a sentence with what it could parse (often nothing), so its gold spans
/// count as misses.</item>
/// </list>
/// Not thread-safe: one scorer per evaluation loop.
/// </remarks>
public sealed class EntityScorer
{
    private readonly Dictionary<string, PrecisionRecallF1> _perType = new(StringComparer.Ordinal);
    private int _sentences;
    private int _unparsableAnswers;
    private int _misalignedPositions;
    private int _duplicateGold;
    private int _duplicatePredictions;

    /// <summary>Scores one sentence's gold spans against its predicted spans.</summary>
    public void Add(IEnumerable<TypedSpan> gold, IEnumerable<TypedSpan> predicted)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predicted);
        var goldSet = new HashSet<TypedSpan>();
        foreach (TypedSpan span in gold)
            if (!goldSet.Add(span))
                _duplicateGold++;
        var predictedSet = new HashSet<TypedSpan>();
        foreach (TypedSpan span in predicted)
            if (!predictedSet.Add(span))
                _duplicatePredictions++;

        foreach (TypedSpan span in predictedSet)
            Count(span.Type, goldSet.Contains(span) ? new PrecisionRecallF1(1, 0, 0) : new PrecisionRecallF1(0, 1, 0));
        foreach (TypedSpan span in goldSet)
            if (!predictedSet.Contains(span))
                Count(span.Type, new PrecisionRecallF1(0, 0, 1));
        _sentences++;
    }

    /// <summary>Model answers the caller could not parse into spans.</summary>
    public void AddUnparsableAnswers(int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _unparsableAnswers += count;
    }

    /// <summary>Predicted positions that do not match the sentence text (out of range, or the text
    /// at those offsets is not the entity the answer names).</summary>
    public void AddMisalignedPositions(int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _misalignedPositions += count;
    }

    public EntityEvaluation Result()
    {
        var perType = new SortedDictionary<string, PrecisionRecallF1>(_perType, StringComparer.Ordinal);
        PrecisionRecallF1 micro = perType.Values.Aggregate(PrecisionRecallF1.Zero, (sum, counts) => sum.Plus(counts));
        return new EntityEvaluation(_sentences, micro, perType, _unparsableAnswers, _misalignedPositions, _duplicateGold, _duplicatePredictions);
    }

    /// <summary>Scores parallel lists of per-sentence gold and predicted spans in one call.</summary>
    public static EntityEvaluation Score(
        IReadOnlyList<IEnumerable<TypedSpan>> gold,
        IReadOnlyList<IEnumerable<TypedSpan>> predicted,
        int unparsableAnswers = 0,
        int misalignedPositions = 0)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predicted);
        if (gold.Count != predicted.Count)
            throw new ArgumentException($"{gold.Count} gold sentences but {predicted.Count} predicted ones.", nameof(predicted));
        var scorer = new EntityScorer();
        for (int i = 0; i < gold.Count; i++)
            scorer.Add(gold[i], predicted[i]);
        scorer.AddUnparsableAnswers(unparsableAnswers);
        scorer.AddMisalignedPositions(misalignedPositions);
        return scorer.Result();
    }

    private void Count(string type, PrecisionRecallF1 counts) =>
        _perType[type] = _perType.GetValueOrDefault(type, PrecisionRecallF1.Zero).Plus(counts);
}
