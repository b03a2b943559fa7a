namespace ChatGlmLab.Metrics;

/// <summary>
/// Character-level BLEU-4 exactly as the toolkit calls nltk 3.8:
/// <c>sentence_bleu([list(reference)], list(hypothesis), smoothing_function=SmoothingFunction().method3)</c>
/// with the default weights (0.25, 0.25, 0.25, 0.25). Returns a value in [0, 1] (not ×100).
/// </summary>
/// <remarks>
/// nltk's behaviour, reproduced step by step:
/// <list type="bullet">
/// <item>Characters are Python characters (code points), see <see cref="CodePoints"/>.</item>
/// <item>Modified precision per order n = clipped matching n-grams / max(1, hypothesis n-grams):
/// a hypothesis shorter than n has the precision 0/1.</item>
/// <item>No matching character at all (this includes an empty hypothesis or reference): nltk returns 0
/// before smoothing.</item>
/// <item>method3 replaces the k-th zero precision (k = 1, 2, ...) by 1 / (2^k × its denominator),
/// the denominator taken unreduced (nltk builds the Fraction with _normalize=False).</item>
/// <item>Brevity penalty: 1 when the hypothesis is longer than the reference, else
/// exp(1 − ref_len / hyp_len).</item>
/// <item>score = bp × exp(fsum(0.25 × log p_n)). nltk's "0 counts of n-gram overlaps" warning only
/// exists in method0 (no smoothing); with method3 nothing is warned and no precision is dropped.</item>
/// </list>
/// </remarks>
public static class Bleu4
{
    private const int MaxOrder = 4;
    private const double Weight = 0.25;

    public static double Score(string reference, string hypothesis)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(hypothesis);
        var referenceChars = new CharacterSequence(reference);
        var hypothesisChars = new CharacterSequence(hypothesis);

        var numerators = new long[MaxOrder + 1];
        var denominators = new long[MaxOrder + 1];
        for (int n = 1; n <= MaxOrder; n++)
            (numerators[n], denominators[n]) = ModifiedPrecision(referenceChars, hypothesisChars, n);

        // nltk: "if p_numerators[1] == 0: return 0" (no unigram match, so no higher-order match either).
        if (numerators[1] == 0)
            return 0.0;

        double brevityPenalty = BrevityPenalty(referenceChars.Count, hypothesisChars.Count);

        var weightedLogs = new double[MaxOrder];
        int zeroCountIndex = 1; // method3's k
        for (int n = 1; n <= MaxOrder; n++)
        {
            double precision;
            if (numerators[n] == 0)
            {
                precision = 1.0 / ((double)(1L << zeroCountIndex) * denominators[n]);
                zeroCountIndex++;
            }
            else
            {
                // float(Fraction(num, den)) is the correctly rounded quotient, like this division.
                precision = (double)numerators[n] / denominators[n];
            }
            weightedLogs[n - 1] = Weight * Math.Log(precision);
        }
        return brevityPenalty * Math.Exp(PythonFsum.Sum(weightedLogs));
    }

    /// <summary>nltk's modified_precision as (numerator, denominator), the denominator at least 1.</summary>
    private static (long Numerator, long Denominator) ModifiedPrecision(CharacterSequence reference, CharacterSequence hypothesis, int n)
    {
        Dictionary<string, int> hypothesisCounts = NgramCounts(hypothesis, n);
        Dictionary<string, int> referenceCounts = NgramCounts(reference, n);
        long clipped = 0;
        long total = 0;
        foreach (var (ngram, count) in hypothesisCounts)
        {
            clipped += Math.Min(count, referenceCounts.GetValueOrDefault(ngram));
            total += count;
        }
        return (clipped, Math.Max(1, total));
    }

    /// <summary>Counts of the n-grams of characters. Every key is the substring spanning exactly n
    /// characters, so equal keys are equal n-grams.</summary>
    private static Dictionary<string, int> NgramCounts(CharacterSequence characters, int n)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i + n <= characters.Count; i++)
        {
            string ngram = characters.Ngram(i, n);
            counts[ngram] = counts.GetValueOrDefault(ngram) + 1;
        }
        return counts;
    }

    /// <summary>A string seen as Python characters (code points).</summary>
    private readonly struct CharacterSequence(string text)
    {
        private readonly int[] _offsets = CodePoints.Offsets(text);

        public int Count => _offsets.Length - 1;

        public string Ngram(int first, int n) => text[_offsets[first].._offsets[first + n]];
    }

    /// <summary>nltk's brevity_penalty with the single reference's length as the closest length.</summary>
    private static double BrevityPenalty(int referenceLength, int hypothesisLength)
    {
        if (hypothesisLength > referenceLength)
            return 1.0;
        if (hypothesisLength == 0)
            return 0.0;
        return Math.Exp(1 - (double)referenceLength / hypothesisLength);
    }
}
