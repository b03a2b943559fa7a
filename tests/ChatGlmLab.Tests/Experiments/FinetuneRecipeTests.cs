using ChatGlmLab.Datasets;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Experiments;
using ChatGlmLab.Tasks.Ner;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Experiments;

public class FinetuneRecipeTests
{
    private static IReadOnlyList<NerInstructionRecord> BundledRecords()
    {
        var sentences = NerCorpusFormat.Read(Path.Combine(Paths.RepoRoot, "data", "maintenance", "train.ner.jsonl"), NerCorpusFormat.NerJson).Items.Take(60);
        return new NerInstructionBuilder(NerInstructionOptions.Article).BuildAll(sentences).ToList();
    }

    [Fact]
    public void TheSeedsFilesAsTheyAreAtWeightOne()
    {
        var records = BundledRecords();
        Assert.Equal(records.Select(r => r.Record), new FinetuneRecipe { Turns = new TurnMix(1, 1, 1) }.RecordsToTrain(records, seed: 1));
    }

    [Theory]
    [InlineData(1.0, 1.0, 0.0)]
    [InlineData(1.0, 1.0, 0.3)]
    [InlineData(2.0, 1.0, 0.7)]
    [InlineData(0.5, 3.0, 1.5)]
    public void EachTurnIsTakenAtItsWeightInTheFilesOrder(double types, double mentions, double positions)
    {
        var records = BundledRecords();
        var recipe = new FinetuneRecipe { Turns = new TurnMix(types, mentions, positions) };
        var trained = recipe.RecordsToTrain(records, seed: 7);
        Assert.Equal(trained, recipe.RecordsToTrain(records, seed: 7));   // the seed decides which
        if (new[] { types, mentions, positions }.Any(w => w % 1 != 0))
            Assert.NotEqual(trained, recipe.RecordsToTrain(records, seed: 8));   // a fractional weight draws

        var copies = new Dictionary<InstructionRecord, int>(ReferenceEqualityComparer.Instance);   // records are equal by value; count each object
        foreach (var record in trained) copies[record] = copies.GetValueOrDefault(record) + 1;
        foreach (var (turn, weight) in new[] { (NerTurnKind.Types, types), (NerTurnKind.Mentions, mentions), (NerTurnKind.Positions, positions) })
        {
            var ofTurn = records.Where(r => r.Turn == turn).ToList();
            int whole = (int)Math.Floor(weight);
            double fraction = weight - whole;
            // Every record whole-part times, plus one more for about the fraction of them: Binomial(n, fraction), within 4 sd.
            var counts = ofTurn.Select(r => copies.GetValueOrDefault(r.Record)).ToList();
            Assert.All(counts, c => Assert.InRange(c, whole, fraction > 0 ? whole + 1 : whole));
            int extra = counts.Sum() - whole * ofTurn.Count;
            double sd = Math.Sqrt(ofTurn.Count * fraction * (1 - fraction));
            Assert.InRange(extra, ofTurn.Count * fraction - 4 * sd, ofTurn.Count * fraction + 4 * sd);
        }
        // In the files' order, a record's copies together.
        var order = records.Select((r, i) => (r.Record, i)).ToDictionary(x => (object)x.Record, x => x.i, ReferenceEqualityComparer.Instance);
        var positionsInFile = trained.Select(r => order[r]).ToList();
        Assert.Equal(positionsInFile.Order(), positionsInFile);
    }

    [Fact]
    public void ANegativeOrNonFiniteWeightIsRefusedWhereItIsWritten()
    {
        var e = Assert.Throws<ArgumentException>(() => new TurnMix(1, -1, 1));
        Assert.Contains("TurnMix.Mentions = -1", e.Message);
        var mix = new TurnMix(1, 1, 0.25);
        Assert.Contains("TurnMix.Positions", Assert.Throws<ArgumentException>(() => mix with { Positions = double.NaN }).Message);
        Assert.Equal(new TurnMix(2, 1, 0.25), mix with { Types = 2 });
    }

    [Fact]
    public void ABudgetThatCannotRunIsRefusedWhereItIsWritten()
    {
        var recipe = new FinetuneRecipe();
        Assert.Contains("FinetuneRecipe.Steps = 0", Assert.Throws<ArgumentException>(() => recipe with { Steps = 0 }).Message);
        Assert.Contains("FinetuneRecipe.BatchSize = -1", Assert.Throws<ArgumentException>(() => recipe with { BatchSize = -1 }).Message);
        Assert.Contains("FinetuneRecipe.WarmupRatio = 1.5", Assert.Throws<ArgumentException>(() => recipe with { WarmupRatio = 1.5 }).Message);
        Assert.Equal(1, (recipe with { Steps = 1 }).Steps);
        var tagger = new ChatGlmLab.Taggers.TaggerOptions();
        Assert.Contains("TaggerOptions.Epochs = -1", Assert.Throws<ArgumentException>(() => tagger with { Epochs = -1 }).Message);
        Assert.Contains("TaggerOptions.MaxSeconds", Assert.Throws<ArgumentException>(() => tagger with { MaxSeconds = double.PositiveInfinity }).Message);
        Assert.Equal(0, (tagger with { Epochs = 0 }).Epochs);   // 0 passes: the comparison leaves the tagger out
    }
}
