using ChatGlmLab.Experiments;

namespace ChatGlmLab.Tests.Experiments;

public class WordSegmentedSentencesTests
{
    private const string Sentence = "将变速箱支架和燃油接头重新安装到冷却液隔热罩。";

    [Fact]
    public void KnownSentencesAreCutIntoWordsWhereverTheyOccurAndOtherTextStaysWhole()
    {
        string question = "你现在是一个命名实体识别模型，请你帮我判断一下句子中，名词类别为'安装动作'有哪些名词？,用'$'分割文本为：";
        var rewritten = WordSegmentedSentences.Apply([Sentence, question + Sentence, "答：" + Sentence + "问：" + Sentence, question], [Sentence, "短句"]);

        string words = rewritten[0].Trim();
        Assert.Contains(' ', words);
        Assert.Equal(Sentence, words.Replace(" ", ""));                      // only spaces added
        Assert.Contains(" 变速箱 ", " " + words + " ");                        // jieba's words
        Assert.Equal(question + " " + words + " ", rewritten[1]);            // the wording around it untouched
        Assert.Equal("答： " + words + " 问： " + words + " ", rewritten[2]);   // every occurrence
        Assert.Equal(question, rewritten[3]);
    }

    [Fact]
    public void APrefixOfASentenceIsNotTheSentence()
    {
        var rewritten = WordSegmentedSentences.Apply([Sentence[..10], "x" + Sentence[..^1]], [Sentence]);
        Assert.Equal([Sentence[..10], "x" + Sentence[..^1]], rewritten);
    }
}
