using ChatGlmLab.Benchmarks;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Tasks.Ner;
using Xunit.Abstractions;
using ChatGlmLab.Tests.Infrastructure;
using ChatGlmLab.Tests.Tokenization;

namespace ChatGlmLab.Tests.Datasets;

public class CluenerTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFiles _files = new();
    public void Dispose() => _files.Dispose();

    [Fact]
    public void DevLoadsWithReadmeCountsAndNoSpanMismatch()
    {
        var result = CluenerReader.Read(Paths.SharedData("cluener2020", "dev.json"));
        Assert.Equal(1343, result.Report.RecordsRead);
        Assert.Equal(1343, result.Items.Count);
        Assert.Equal(0, result.Report.RecordsSkipped);
        Assert.All(result.Items, e => Assert.Null(NerExampleValidator.Problem(e)));
        output.WriteLine($"dev: {result.Items.Count} sentences, {result.Items.Sum(e => e.Entities.Count)} entities");
    }

    [Fact]
    public void TrainLoadsWithReadmeCountsPerType()
    {
        var result = CluenerReader.Read(Paths.SharedData("cluener2020", "train.json"));
        Assert.Equal(10748, result.Items.Count);
        Assert.Equal(0, result.Report.RecordsSkipped);
        // The README's per-type counts are annotated spans.
        var mentionsPerType = result.Items.SelectMany(e => e.Entities)
            .GroupBy(x => x.Type).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(23972, result.Items.Sum(e => e.Entities.Count));
        var readme = new Dictionary<string, int>
        {
            ["name"] = 3756, ["organization"] = 3210, ["position"] = 3141, ["company"] = 2980, ["address"] = 2891,
            ["game"] = 2376, ["government"] = 1835, ["scene"] = 1521, ["book"] = 1139, ["movie"] = 1123,
        };
        foreach (var (type, count) in mentionsPerType.OrderByDescending(kv => kv.Value))
            output.WriteLine($"{type}: {count}");
        Assert.Equal(readme, mentionsPerType);
    }

    [Fact]
    public void InclusiveEndsBecomeExclusive()
    {
        var path = _files.Write("one.json", """{"text": "浙商银行企业信贷部叶老桂博士", "label": {"name": {"叶老桂": [[9, 11]]}, "company": {"浙商银行": [[0, 3]]}}}""" + "\n");
        var example = CluenerReader.Read(path).Items.Single();
        Assert.Equal([new NerEntity("company", 0, 4, "浙商银行"), new NerEntity("name", 9, 12, "叶老桂")], example.Entities);
    }

    [Fact]
    public void CodePointOffsetsAreConvertedAroundAstralCharacters()
    {
        // "😀" is one Python index but two UTF-16 units: Python [1, 2] inclusive → UTF-16 [2, 4) exclusive.
        var path = _files.Write("astral.json", """{"text": "😀张三来了", "label": {"name": {"张三": [[1, 2]]}}}""" + "\n");
        var e = CluenerReader.Read(path).Items.Single().Entities.Single();
        Assert.Equal((2, 4), (e.Start, e.End));
        Assert.Equal("张三", e.Mention);
    }

    [Fact]
    public void RoundTripThroughNerJsonAndThreeTurnAnswersIsLosslessOnDev()
    {
        var dev = CluenerReader.Read(Paths.SharedData("cluener2020", "dev.json")).Items;
        var path = _files.PathOf("dev.ner.jsonl");
        NerJson.Write(path, dev);
        var reread = NerJson.Read(path).Items;
        Assert.Equal(dev.Count, reread.Count);

        var options = NerInstructionOptions.Article with { Labels = CluenerLabels.All };
        var builder = new NerInstructionBuilder(options);
        var parser = new NerAnswerParser(options);
        var lost = 0;
        for (var i = 0; i < reread.Count; i++)
        {
            Assert.True(reread[i].SameAs(dev[i]), $"NER JSON changed sentence {i}");
            var records = builder.Build(reread[i], i);
            var parsed = parser.ParseThreeTurn(reread[i].Text, records.Select(r => NerTurnAnswer.From(r, r.Record.Output)));
            Assert.True(parsed.Clean, string.Join("; ", parsed.Problems));
            if (!new NerExample(reread[i].Text, parsed.Entities).SameAs(dev[i]))
                lost++;
        }
        Assert.Equal(0, lost);
    }

    [Fact]
    public void SinglePassRoundTripOnDevLosesOnlyAmbiguousRepeats()
    {
        var dev = CluenerReader.Read(Paths.SharedData("cluener2020", "dev.json")).Items;
        foreach (var format in new[] { SinglePassFormat.Json, SinglePassFormat.TypeMention })
        {
            var options = new SinglePassOptions { Labels = CluenerLabels.All, Format = format };
            var builder = new SinglePassBuilder(options);
            var parser = new NerAnswerParser(singlePass: options);
            var lost = 0;
            foreach (var example in dev)
            {
                var parsed = parser.ParseSinglePass(example.Text, builder.Answer(example));
                Assert.Equal(0, parsed.UnparsableAnswers);
                if (!new NerExample(example.Text, parsed.Entities).SameAs(example))
                    lost++;
            }
            output.WriteLine($"single-pass {format}: {lost} of {dev.Count} sentences not recovered exactly (mentions without positions)");
            Assert.True(lost < dev.Count / 20, $"{lost} sentences lost");
        }
    }

    [Fact]
    public void BenchmarkExpandsAllOfTrainInSeconds()
    {
        var result = DataBenchmark.Run(Paths.SharedData("cluener2020", "train.json"));
        output.WriteLine(result.ToString());
        Assert.Equal(10748, result.Sentences);
        Assert.Equal(0, result.RoundTripDifferences);
        Assert.True(result.BuildThreeTurnMs < 10_000, $"3-turn build took {result.BuildThreeTurnMs} ms");
    }
}
