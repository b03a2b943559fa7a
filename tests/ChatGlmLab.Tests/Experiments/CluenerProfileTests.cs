using ChatGlmLab.Cli;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Evaluation;
using ChatGlmLab.Experiments;
using ChatGlmLab.Taggers;
using ChatGlmLab.Tasks.Ner;
using ChatGlmLab.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ChatGlmLab.Tests.Experiments;

/// <summary>The cluener profile: CLUENER2020 read from the folder the user gives, its 10 types as the label set, the published results printed beside the table.</summary>
public sealed class CluenerProfileTests(ITestOutputHelper output)
{
    private static readonly string Dir = Paths.SharedData("cluener2020");

    [Fact]
    public void TheProfileReadsTrainAndDevFromTheGivenFolderWithCluenersTypes()
    {
        var options = ExperimentProfile.Options(ExperimentProfile.Cluener, "out", dataDir: "data", cluenerDir: Dir);
        Assert.Equal((Dir, "train.json", "dev.json", NerCorpusFormat.Cluener), (options.DataDir, options.TrainFile, options.DevFile, options.CorpusFormat));
        Assert.Equal(CluenerLabels.All, options.Instructions.Labels);
        Assert.Equal((0, 0), (options.TrainSentences, options.DevSentences));   // all of both, as the published results use
        Assert.Equal(["BiLSTM-CRF", "BERT-base", "RoBERTa-wwm-large-ext"], options.PublishedResults.Take(3).Select(p => p.System));
        Assert.Equal([70.0, 78.82, 80.42, 80.5], options.PublishedResults.Select(p => p.F1));
        Assert.Equal(options.BaseModel.NumLayers, options.Finetune.Methods.Single(m => m.Name == "freeze").Options.NumLayerTrainable);   // every block of its 3

        var train = NerCorpusFormat.Read(Path.Combine(options.DataDir, options.TrainFile), options.CorpusFormat).Items;
        Assert.Equal(10748, train.Count);
        Assert.Subset(options.Instructions.Labels.ToHashSet(), train.SelectMany(e => e.Entities).Select(e => e.Type).ToHashSet());

        // The 3-turn questions offer CLUENER's types, and the first sentence's records answer with them.
        var builder = new NerInstructionBuilder(options.Instructions);
        Assert.Contains("'organization'", builder.TypeInstruction());
        Assert.DoesNotContain(ArticleNerLabels.All[0], builder.TypeInstruction());
        var records = builder.BuildAll([train[0]]).Select(r => r.Record).ToList();
        Assert.Equal("company$name$name", records[0].Output);   // 浙商银行 (company) … 叶老桂 (name) … 叶老桂: types in text order
    }

    [Fact]
    public void WithoutItsFolderTheProfileSaysWhatToGive()
    {
        var missing = Assert.Throws<ArgumentException>(() => ExperimentProfile.Options(ExperimentProfile.Cluener, "out"));
        Assert.Contains("cluener_dir", missing.Message);
        string empty = Directory.CreateTempSubdirectory("chatglmlab-cluener-").FullName;
        try
        {
            var wrong = Assert.Throws<ArgumentException>(() => ExperimentProfile.Options(ExperimentProfile.Cluener, "out", cluenerDir: empty));
            Assert.Contains(empty, wrong.Message);
            Assert.Contains("train.json", wrong.Message);

            var stderr = new StringWriter();
            Assert.Equal(CliApp.UsageError, CliApp.Run(["compare", "--profile", "cluener", "--output_dir", Path.Combine(empty, "out")], TextReader.Null, new StringWriter(), stderr));
            Assert.Contains("cluener_dir", stderr.ToString());
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    /// <summary>The tagger on CLUENER: a short training on a few hundred of its sentences already finds many of their entities.</summary>
    [Fact]
    public void TheTaggerLearnsCluenerEntities()
    {
        var train = CluenerReader.Read(Path.Combine(Dir, "train.json")).Items.Take(200).ToList();
        var options = new TaggerOptions { Epochs = 6, MaxSeconds = 0, EmbeddingSize = 32, HiddenSize = 32, Dropout = 0.1, LearningRate = 1e-2 };
        using var tagger = CharacterTagger.Create(train, CluenerLabels.All, options, seed: 7);
        double untrained = F1(tagger, train);
        var result = TaggerTraining.Train(tagger, train, seed: 7);
        double trained = F1(tagger, train);
        output.WriteLine($"CLUENER, 200 train sentences: F1 on them untrained {untrained:P1}, after {result.Epochs} epochs {trained:P1}; {result.UntaggableSentences} untaggable");
        Assert.True(trained > untrained + 0.2, $"F1 untrained {untrained:P1}, trained {trained:P1}");
    }

    [Fact]
    public void ThePublishedResultsArePrintedUnderTheTableWithTheBudget()
    {
        var result = SampleComparison.Create(PublishedResult.Cluener2020);
        string table = ComparisonReport.PlainTable(result);
        output.WriteLine(table);
        Assert.Contains("tagger (BiLSTM-CRF)", table.Split('\n')[0]);
        var grounded = table.Split('\n').Single(l => l.StartsWith("entity F1, cascade, grounded"));
        Assert.EndsWith("100.0", grounded.TrimEnd());                       // the tagger's one F1 stands in the cascade rows
        Assert.Contains("-", table.Split('\n').Single(l => l.StartsWith("BLEU-4")).Split("  ", StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.Contains("BiLSTM-CRF: 70.0", table);
        Assert.Contains("RoBERTa-wwm-large-ext: 80.4", table);
        Assert.Contains("10748 train sentences", table);
        Assert.Contains("tagger 2.5 epochs in 60 s", table);
    }

    private static double F1(CharacterTagger tagger, IReadOnlyList<NerExample> examples) =>
        EntityScoring.Score(examples, tagger.Predict(examples.Select(e => e.Text).ToList())).Micro.F1;
}
