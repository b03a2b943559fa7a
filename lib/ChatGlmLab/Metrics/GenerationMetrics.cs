namespace ChatGlmLab.Metrics;

/// <summary>
/// ChatGLM-Efficient-Tuning's <c>ComputeMetrics</c> on decoded strings:
/// <list type="bullet">
/// <item>ROUGE-1/2/L F-scores: rouge_chinese on the jieba tokens of each side joined by " "
/// (all 0 when either side has no non-whitespace token), see <see cref="RougeChinese"/>.</item>
/// <item>BLEU-4: nltk sentence_bleu with method3 on characters, see <see cref="Bleu4"/>.</item>
/// <item>Each value is <c>round(x * 100, 4)</c> with Python's rounding (<see cref="PythonRound"/>).</item>
/// <item>accuracy: 1 when the label is non-empty and the prediction starts with it
/// (<c>float(len(label) != 0 and pred[:len(label)] == label)</c>), else 0; not rounded.</item>
/// <item>Corpus value: <c>float(numpy.mean(...))</c> of the rounded per-pair values.</item>
/// </list>
/// </summary>
public static class GenerationMetrics
{
    public static GenerationMetricsResult Compute(IReadOnlyList<string> predictions, IReadOnlyList<string> labels) =>
        Compute(predictions, labels, ChineseSegmenter.Shared);

    public static GenerationMetricsResult Compute(IReadOnlyList<string> predictions, IReadOnlyList<string> labels, ChineseSegmenter segmenter)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(labels);
        if (predictions.Count != labels.Count)
            throw new ArgumentException($"{predictions.Count} predictions but {labels.Count} labels.", nameof(labels));

        var pairs = new List<GenerationPairResult>(predictions.Count);
        for (int i = 0; i < predictions.Count; i++)
            pairs.Add(ScorePair(predictions[i], labels[i], segmenter));

        var corpus = new GenerationScores(
            Accuracy: NumpyMean.Of(pairs.Select(p => p.Scores.Accuracy).ToArray()),
            Bleu4: NumpyMean.Of(pairs.Select(p => p.Scores.Bleu4).ToArray()),
            Rouge1: NumpyMean.Of(pairs.Select(p => p.Scores.Rouge1).ToArray()),
            Rouge2: NumpyMean.Of(pairs.Select(p => p.Scores.Rouge2).ToArray()),
            RougeL: NumpyMean.Of(pairs.Select(p => p.Scores.RougeL).ToArray()));
        return new GenerationMetricsResult(corpus, pairs);
    }

    public static GenerationPairResult ScorePair(string prediction, string label) =>
        ScorePair(prediction, label, ChineseSegmenter.Shared);

    public static GenerationPairResult ScorePair(string prediction, string label, ChineseSegmenter segmenter)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(segmenter);

        List<string> predictionTokens = segmenter.Cut(prediction);
        List<string> labelTokens = segmenter.Cut(label);
        RougeScores rouge = RougeChinese.Score(string.Join(' ', predictionTokens), string.Join(' ', labelTokens));
        double bleu = Bleu4.Score(reference: label, hypothesis: prediction);

        var scores = new GenerationScores(
            Accuracy: PrefixAccuracy(prediction, label),
            Bleu4: Percent(bleu),
            Rouge1: Percent(rouge.Rouge1.F),
            Rouge2: Percent(rouge.Rouge2.F),
            RougeL: Percent(rouge.RougeL.F));
        return new GenerationPairResult(prediction, label, scores, bleu, rouge, predictionTokens, labelTokens);
    }

    /// <summary>The toolkit's accuracy: the prediction begins with the (non-empty) label.
    /// Ordinal UTF-16 prefix equals Python's code-point slice comparison.</summary>
    public static double PrefixAccuracy(string prediction, string label) =>
        label.Length != 0 && prediction.StartsWith(label, StringComparison.Ordinal) ? 1.0 : 0.0;

    /// <summary><c>round(x * 100, 4)</c>.</summary>
    private static double Percent(double value) => PythonRound.Round(value * 100, 4);
}
