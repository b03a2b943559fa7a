using ChatGlmLab.Datasets;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Tasks.Ner;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Tasks.Ner;

/// <summary>Records read back from the committed files (no builder metadata) parse into the corpus's spans.</summary>
public class NerRecordFileParsingTests
{
    private static readonly string Dir = Path.Combine(Paths.RepoRoot, "data", "maintenance");

    [Theory]
    [InlineData("dev.3turn.jsonl")]
    [InlineData("dev.single.jsonl")]
    public void GoldOutputsOfTheCommittedDevFilesGiveBackTheNerFile(string file)
    {
        var gold = NerJson.Read(Path.Combine(Dir, "dev.ner.jsonl")).Items;
        var records = InstructionFileReader.Read(Path.Combine(Dir, file)).Items;
        var parsed = new NerAnswerParser().ParseRecords(records, records.Select(r => r.Output).ToList());
        Assert.Equal(gold.Count, parsed.Count);
        var exact = 0;
        for (var i = 0; i < gold.Count; i++)
        {
            Assert.Equal(gold[i].Text, parsed[i].Text);
            if (new NerExample(parsed[i].Text, parsed[i].Result.Entities).SameAs(gold[i]))
                exact++;
        }
        if (file.Contains("3turn"))
            Assert.Equal(gold.Count, exact);
        else
            Assert.True(exact >= gold.Count * 9 / 10, $"{exact} of {gold.Count}"); // single pass has no positions
    }

    [Fact]
    public void ChatLayoutRecordsAreRecognisedToo()
    {
        var example = ArticleSentence.Example();
        var records = new NerInstructionBuilder(NerInstructionOptions.Chat).Build(example).Select(r => r.Record).ToList();
        var parser = new NerAnswerParser(NerInstructionOptions.Chat);
        var parsed = parser.ParseRecords(records, records.Select(r => r.Output).ToList()).Single();
        Assert.Equal(example.Text, parsed.Text);
        Assert.True(new NerExample(parsed.Text, parsed.Result.Entities).SameAs(example));
    }

    [Fact]
    public void ForeignRecordsAreRejectedByIndex()
    {
        var records = new[] { new InstructionRecord("你好", "", "hi", InstructionRecord.NoHistory) };
        var ex = Assert.Throws<ArgumentException>(() => new NerAnswerParser().ParseRecords(records, ["hi"]));
        Assert.Contains("record 0", ex.Message);
    }
}
