using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Evaluation;
using ChatGlmLab.Taggers;
using ChatGlmLab.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ChatGlmLab.Tests.Taggers;

/// <summary>The BiLSTM-CRF learns: a few passes over a small corpus take its entity F1 on those sentences far above an untrained tagger's.</summary>
public sealed class CharacterTaggerTests(ITestOutputHelper output)
{
    [Fact]
    public void AFewEpochsOnTheBundledCorpusLearnItsEntities()
    {
        var train = NerJson.Read(Path.Combine(Paths.RepoRoot, "data", "maintenance", "train.ner.jsonl")).Items.Take(120).ToList();
        var options = new TaggerOptions { Epochs = 8, MaxSeconds = 0, EmbeddingSize = 32, HiddenSize = 32, Dropout = 0.1, LearningRate = 1e-2 };
        using var tagger = CharacterTagger.Create(train, ArticleNerLabels.All, options, seed: 42);
        double untrained = F1(tagger, train);

        var result = TaggerTraining.Train(tagger, train, seed: 42);
        double trained = F1(tagger, train);
        output.WriteLine($"F1 on its train sentences: untrained {untrained:P1}, after {result.Epochs} epochs {trained:P1}; losses {string.Join(", ", result.EpochLosses.Select(l => l.ToString("F2")))}");

        Assert.Equal(8, result.Epochs);
        Assert.Equal(0, result.UntaggableSentences);
        Assert.True(result.EpochLosses[^1] < result.EpochLosses[0] / 2, $"loss {result.EpochLosses[0]} → {result.EpochLosses[^1]}");
        Assert.True(trained > 0.5 && trained > untrained + 0.4, $"F1 untrained {untrained:P1}, trained {trained:P1}");
    }

    [Fact]
    public void ItPredictsNothingForAnEmptySentenceAndOnlySpansOfEachSentence()
    {
        var train = NerJson.Read(Path.Combine(Paths.RepoRoot, "data", "maintenance", "train.ner.jsonl")).Items.Take(10).ToList();
        using var tagger = CharacterTagger.Create(train, ArticleNerLabels.All, new TaggerOptions { EmbeddingSize = 8, HiddenSize = 8 }, seed: 1);
        var texts = new[] { "", train[0].Text, "未见过的字符ＸＹＺ" };
        var predicted = tagger.Predict(texts);
        Assert.Empty(predicted[0]);
        for (int i = 1; i < texts.Length; i++)
            Assert.All(predicted[i], e => Assert.Equal(texts[i][e.Start..e.End], e.Mention));
    }

    private static double F1(CharacterTagger tagger, IReadOnlyList<NerExample> examples) =>
        EntityScoring.Score(examples, tagger.Predict(examples.Select(e => e.Text).ToList())).Micro.F1;
}
