using ChatGlmLab.Metrics;

namespace ChatGlmLab.Tests.Metrics;

/// <summary>rouge_chinese 1.0.3 behaviours, worked out from its code.</summary>
public class RougeChineseTests
{
    [Fact]
    public void SentencesAreCutAfterChinesePunctuationAndQuestionMarks()
    {
        Assert.Equal(["松开 夹子 。", " 拆下 导管 ！", " 完成 了 吗 ？"], RougeWordList.CutSentences("松开 夹子 。 拆下 导管 ！ 完成 了 吗 ？"));
        Assert.Equal(["a?", "b"], RougeWordList.CutSentences("a?b"));
        Assert.Equal(["等等......", "好"], RougeWordList.CutSentences("等等......好"));
        Assert.Equal(["等等……", "好"], RougeWordList.CutSentences("等等……好"));
        // No cut before a closing quote; the quote rule cuts after it instead.
        Assert.Equal(["他说：“好。”", "然后"], RougeWordList.CutSentences("他说：“好。”然后"));
        Assert.Equal(["结束"], RougeWordList.CutSentences("结束 \n "));
    }

    [Fact]
    public void WordsOfAllSentencesFormOneList()
    {
        Assert.Equal(["松开", "夹子", "。", "拆下", "导管", "。"], RougeWordList.Words("松开 夹子 。 拆下   导管 。"));
    }

    [Fact]
    public void AWhitespaceOnlySentenceBecomesOneEmptyWord()
    {
        // "a \n \n b": pieces "a ", " ", " b" -> "a", "", "b".
        Assert.Equal(["a", "", "b"], RougeWordList.Words("a \n \n b"));
    }

    [Fact]
    public void RougeNUsesDistinctNgrams()
    {
        // Hypothesis "拆卸 拆卸 拆卸" has ONE distinct unigram and ONE distinct bigram.
        RougeScores scores = RougeChinese.Score("拆卸 拆卸 拆卸", "拆卸");
        Assert.Equal(1.0, scores.Rouge1.P);
        Assert.Equal(1.0, scores.Rouge1.R);
        Assert.Equal(0.0, scores.Rouge2.P);
        Assert.Equal(0.0, scores.Rouge2.R); // the reference has no bigram at all
        // ROUGE-L keeps repeats: LCS 1, P = 1/3, R = 1.
        Assert.Equal(1.0 / 3, scores.RougeL.P);
        Assert.Equal(1.0, scores.RougeL.R);
    }

    [Fact]
    public void NgramsCrossSentenceBoundaries()
    {
        RougeScores scores = RougeChinese.Score("好 。 走", "好 。 走");
        Assert.Equal(1.0, scores.Rouge2.P); // ("。", "走") spans the cut after "。"
        Assert.Equal(2.0 * ((1.0 * 1.0) / (1.0 + 1.0 + 1e-8)), scores.Rouge2.F);
    }

    [Fact]
    public void FScoreUsesTheEpsilonFormula()
    {
        RougeScore score = RougeScore.FromPrecisionRecall(0.5, 0.25);
        Assert.Equal(2.0 * ((0.5 * 0.25) / (0.5 + 0.25 + 1e-8)), score.F);
        Assert.Equal(0.0, RougeScore.FromPrecisionRecall(0, 0).F);
    }

    [Fact]
    public void EitherSideWithoutWordsScoresZero()
    {
        Assert.Equal(RougeScores.Zero, RougeChinese.Score("   ", "拆卸"));
        Assert.Equal(RougeScores.Zero, RougeChinese.Score("拆卸", ""));
        Assert.Equal(RougeScores.Zero, RougeChinese.Score("\u001F", "拆卸")); // Python whitespace
    }

    [Fact]
    public void LcsKeepsOrder() =>
        Assert.Equal(2, LongestCommonSubsequence.Length(["a", "b", "c", "d"], ["b", "x", "d", "a"]));
}
