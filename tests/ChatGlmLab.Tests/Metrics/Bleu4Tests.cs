using ChatGlmLab.Metrics;

namespace ChatGlmLab.Tests.Metrics;

/// <summary>nltk 3.8 sentence_bleu(method3) edge cases, worked out from nltk's code.</summary>
public class Bleu4Tests
{
    [Fact]
    public void EmptyHypothesisOrReferenceScoresZero()
    {
        Assert.Equal(0.0, Bleu4.Score(reference: "拆卸", hypothesis: ""));
        Assert.Equal(0.0, Bleu4.Score(reference: "", hypothesis: "拆卸"));
        Assert.Equal(0.0, Bleu4.Score(reference: "", hypothesis: ""));
    }

    [Fact]
    public void NoCharacterInCommonScoresZeroBeforeSmoothing() =>
        Assert.Equal(0.0, Bleu4.Score(reference: "冷却液输入管", hypothesis: "今天天气很好"));

    [Fact]
    public void OneMatchingCharacterGetsMethod3Smoothing()
    {
        // p = 1/1, then 1/2, 1/4, 1/8 for the missing 2/3/4-grams: 64^-1/4.
        Assert.Equal(Math.Exp(0.25 * Math.Log(0.5) + 0.25 * Math.Log(0.25) + 0.25 * Math.Log(0.125)), Bleu4.Score("是", "是"), 15);
        Assert.Equal(0.3535533905932738, Bleu4.Score("是", "是"));
    }

    [Fact]
    public void ZeroCountSmoothingUsesTheUnreducedDenominator()
    {
        // hypothesis "abcd" vs reference "axcy": unigrams 2/4, bigrams 0/3 -> 1/(2*3),
        // trigrams 0/2 -> 1/(4*2), 4-grams 0/1 -> 1/(8*1); same length, no brevity penalty.
        double expected = Math.Exp(PythonFsum.Sum([0.25 * Math.Log(0.5), 0.25 * Math.Log(1.0 / 6), 0.25 * Math.Log(1.0 / 8), 0.25 * Math.Log(1.0 / 8)]));
        Assert.Equal(expected, Bleu4.Score(reference: "axcy", hypothesis: "abcd"));
    }

    [Fact]
    public void ShortHypothesisPaysTheBrevityPenalty()
    {
        // One character against twelve: bp = exp(1 - 12/1) (fixture case one_char_vs_long).
        Assert.Equal(5.904942943065713e-06, Bleu4.Score(reference: "使用冷却液连接器拆卸工具", hypothesis: "拆"));
    }

    [Fact]
    public void LongerHypothesisHasNoBrevityPenalty()
    {
        // Reference is a prefix: every n-gram of it matches, the extra ones do not.
        double longer = Bleu4.Score(reference: "拆卸", hypothesis: "拆卸拆卸拆卸");
        Assert.Equal(0.16233395773754944, longer);
    }

    [Fact]
    public void EmojiIsOneCharacter()
    {
        // "👍好的" is 3 Python characters (4 UTF-16 chars): bp = 1, p1 = 2/3, p2 = 1/2, then 1/(2*1), 1/(4*1).
        Assert.Equal(0.4518010018049224, Bleu4.Score(reference: "好的", hypothesis: "👍好的"));
    }
}
