using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Datasets.Synthetic;
using ChatGlmLab.Tasks.Ner;
using Xunit.Abstractions;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Datasets;

public class MaintenanceCorpusTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFiles _files = new();
    public void Dispose() => _files.Dispose();

    private static readonly (IReadOnlyList<NerExample> Train, IReadOnlyList<NerExample> Dev) Corpus = MaintenanceCorpusGenerator.Generate();

    /// <summary>
    /// The committed data/ must be exactly what the generator writes. To refresh it after changing the
    /// generator: CHATGLMLAB_REGENERATE_DATA=1 dotnet test --filter MaintenanceCorpusTests
    /// </summary>
    [Fact]
    public void CommittedDataIsByteIdenticalToARegeneration()
    {
        var dataDir = Path.Combine(Paths.RepoRoot, "data");
        if (Environment.GetEnvironmentVariable("CHATGLMLAB_REGENERATE_DATA") == "1")
            MaintenanceCorpusFiles.WriteAll(dataDir);
        var written = MaintenanceCorpusFiles.WriteAll(_files.Dir);
        Assert.Equal(7, written.Count);
        foreach (var file in written)
        {
            var committed = Path.Combine(dataDir, file);
            Assert.True(File.Exists(committed), $"{committed} is missing");
            var fresh = File.ReadAllBytes(Path.Combine(_files.Dir, file));
            Assert.True(fresh.AsSpan().SequenceEqual(File.ReadAllBytes(committed)), $"{file} differs from a regeneration");
            output.WriteLine($"{file}: {fresh.Length:N0} bytes");
        }
    }

    [Fact]
    public void SameSeedSameCorpusOtherSeedOtherCorpus()
    {
        var again = MaintenanceCorpusGenerator.Generate();
        Assert.Equal(Corpus.Train.Select(e => e.Text), again.Train.Select(e => e.Text));
        var other = MaintenanceCorpusGenerator.Generate(new MaintenanceCorpusOptions { Seed = 7, TrainSentences = 50, DevSentences = 5 });
        Assert.NotEqual(Corpus.Train.Take(50).Select(e => e.Text), other.Train.Select(e => e.Text));
    }

    [Fact]
    public void SizesTypesAndLengthsAreAsSpecified()
    {
        Assert.Equal(2000, Corpus.Train.Count);
        Assert.Equal(200, Corpus.Dev.Count);
        var all = Corpus.Train.Concat(Corpus.Dev).ToList();
        Assert.Equal(all.Count, all.Select(e => e.Text).Distinct().Count());
        Assert.All(all, e => Assert.Null(NerExampleValidator.Problem(e)));
        Assert.All(all, e => Assert.InRange(e.Text.Length, 15, 60));
        var trainTypes = Corpus.Train.SelectMany(e => e.Entities).GroupBy(e => e.Type).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(ArticleNerLabels.All.Order(), trainTypes.Keys.Order());
        foreach (var (type, count) in trainTypes.OrderByDescending(kv => kv.Value))
            output.WriteLine($"{type}: {count}");
        // Multi-clause sentences exist, and some sentences repeat a (type, mention) as the seed's example does.
        Assert.Contains(all, e => e.Text.Contains('，'));
        Assert.Contains(all, e => e.Entities.GroupBy(x => (x.Type, x.Mention)).Any(g => g.Count() > 1));
        output.WriteLine($"mean length {all.Average(e => e.Text.Length):F1}, mean entities {all.Average(e => e.Entities.Count):F2}");
    }

    [Fact]
    public void DevUsesHeldOutWordsThatTrainNeverSees()
    {
        var trainMentions = Corpus.Train.SelectMany(e => e.Entities.Select(x => x.Mention)).ToHashSet();
        Assert.DoesNotContain(trainMentions, MaintenanceLexicon.IsHeldOut);
        var devEntities = Corpus.Dev.SelectMany(e => e.Entities).ToList();
        var unseen = devEntities.Count(e => !trainMentions.Contains(e.Mention));
        var sentencesWithUnseen = Corpus.Dev.Count(e => e.Entities.Any(x => !trainMentions.Contains(x.Mention)));
        output.WriteLine($"dev: {unseen} of {devEntities.Count} mentions unseen in train; {sentencesWithUnseen} of {Corpus.Dev.Count} sentences have one");
        Assert.InRange(unseen, devEntities.Count / 10, devEntities.Count / 2);
    }

    [Fact]
    public void PretrainingTextUsesTheWholeLexiconAndNoTrainOrDevSentence()
    {
        var text = MaintenanceCorpusGenerator.PretrainingText(3000);
        Assert.Equal(3000, text.Count);
        Assert.Equal(text, MaintenanceCorpusGenerator.PretrainingText(3000));             // deterministic
        Assert.Equal(text.Count, text.Distinct().Count());
        var labelled = Corpus.Train.Concat(Corpus.Dev).Select(e => e.Text).ToHashSet();
        Assert.DoesNotContain(text, labelled.Contains);
        // Most held-out entries (the words dev has and train lacks) occur in it.
        var heldOut = new SlotFiller().HeldOutEntries();
        int present = heldOut.Count(w => text.Any(t => t.Contains(w, StringComparison.Ordinal)));
        output.WriteLine($"{present} of {heldOut.Count} held-out entries occur in 3,000 pretraining sentences");
        Assert.True(present >= heldOut.Count * 9 / 10, $"{present} of {heldOut.Count}");
    }

    [Fact]
    public void EveryGeneratedSentenceRoundTripsThroughThreeTurnAnswers()
    {
        var builder = new NerInstructionBuilder();
        var parser = new NerAnswerParser();
        foreach (var example in Corpus.Dev.Concat(Corpus.Train))
        {
            var records = builder.Build(example);
            var parsed = parser.ParseThreeTurn(example.Text, records.Select(r => NerTurnAnswer.From(r, r.Record.Output)));
            Assert.True(parsed.Clean);
            Assert.True(new NerExample(example.Text, parsed.Entities).SameAs(example), example.Text);
        }
    }
}
