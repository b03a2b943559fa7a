namespace ChatGlmLab.Metrics;

/// <summary>
/// rouge_chinese 1.0.3 <c>Rouge().get_scores(hypothesis, reference)[0]</c> on strings of words joined
/// by spaces (the toolkit passes jieba tokens joined with " ").
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Words: <see cref="RougeWordList.Words"/> (one list across sentences).</item>
/// <item>ROUGE-1/2: SETS of distinct n-grams; P = |overlap| / |hypothesis n-grams| (0 if none),
/// R = |overlap| / |reference n-grams| (0 if none).</item>
/// <item>ROUGE-L: LCS length of the two whole word lists (repeats kept), P = LCS / hypothesis words,
/// R = LCS / reference words. rouge_chinese calls it "summary level" but uses no union-LCS.</item>
/// <item>F = 2PR / (P + R + 1e-8).</item>
/// <item>When either side has no non-whitespace word, all scores are 0: that is the toolkit's guard
/// around rouge_chinese (which would raise "Hypothesis is empty").</item>
/// </list>
/// </remarks>
public static class RougeChinese
{
    public static RougeScores Score(string hypothesis, string reference)
    {
        ArgumentNullException.ThrowIfNull(hypothesis);
        ArgumentNullException.ThrowIfNull(reference);
        if (PythonWhitespace.HasNoWord(hypothesis) || PythonWhitespace.HasNoWord(reference))
            return RougeScores.Zero;

        List<string> hypothesisWords = RougeWordList.Words(hypothesis);
        List<string> referenceWords = RougeWordList.Words(reference);
        return new RougeScores(
            RougeN(hypothesisWords, referenceWords, 1),
            RougeN(hypothesisWords, referenceWords, 2),
            RougeL(hypothesisWords, referenceWords));
    }

    /// <summary>rouge_score.rouge_n with exclusive=True (n-gram sets).</summary>
    public static RougeScore RougeN(IReadOnlyList<string> hypothesisWords, IReadOnlyList<string> referenceWords, int n)
    {
        HashSet<string> hypothesisNgrams = NgramSet(hypothesisWords, n);
        HashSet<string> referenceNgrams = NgramSet(referenceWords, n);
        int overlap = hypothesisNgrams.Count(referenceNgrams.Contains);
        double precision = hypothesisNgrams.Count == 0 ? 0.0 : (double)overlap / hypothesisNgrams.Count;
        double recall = referenceNgrams.Count == 0 ? 0.0 : (double)overlap / referenceNgrams.Count;
        return RougeScore.FromPrecisionRecall(precision, recall);
    }

    /// <summary>rouge_score.rouge_l_summary_level as rouge_chinese implements it (plain LCS).</summary>
    public static RougeScore RougeL(IReadOnlyList<string> hypothesisWords, IReadOnlyList<string> referenceWords)
    {
        int lcs = LongestCommonSubsequence.Length(referenceWords, hypothesisWords);
        double recall = (double)lcs / referenceWords.Count;
        double precision = (double)lcs / hypothesisWords.Count;
        return RougeScore.FromPrecisionRecall(precision, recall);
    }

    /// <summary>Distinct n-grams of words. Words never contain ' ' (they come from splitting on it),
    /// so n words joined by ' ' identify the n-gram, empty words included.</summary>
    private static HashSet<string> NgramSet(IReadOnlyList<string> words, int n)
    {
        var ngrams = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i + n <= words.Count; i++)
        {
            string ngram = words[i];
            for (int k = 1; k < n; k++)
                ngram += " " + words[i + k];
            ngrams.Add(ngram);
        }
        return ngrams;
    }
}
