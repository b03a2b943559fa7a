using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Datasets.Synthetic;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Datasets;

public class ConllReaderTests : IDisposable
{
    private readonly TempFiles _files = new();
    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData(TagScheme.Bio, "使\tB-一般动作\n用\tI-一般动作\n扳\tB-工具.手动\n手\tI-工具.手动\n拆\tB-拆卸动作\n下\tI-拆卸动作\n螺\tO\n")]
    [InlineData(TagScheme.Bioes, "使 B-一般动作\n用 E-一般动作\n扳 B-工具.手动\n手 E-工具.手动\n拆 B-拆卸动作\n下 E-拆卸动作\n螺 O\n")]
    [InlineData(TagScheme.Bmes, "使 B-一般动作\n用 E-一般动作\n扳 B-工具.手动\n手 E-工具.手动\n拆 B-拆卸动作\n下 E-拆卸动作\n螺 O\n")]
    public void DecodesEachSchemeWithDottedTypes(TagScheme scheme, string sentence)
    {
        var path = _files.Write("a.txt", sentence + "\n" + sentence);
        var result = ConllReader.Read(path, scheme);
        Assert.Equal(2, result.Items.Count);
        var example = result.Items[0];
        Assert.Equal("使用扳手拆下螺", example.Text);
        Assert.Equal(
            [new NerEntity("一般动作", 0, 2, "使用"), new NerEntity("工具.手动", 2, 4, "扳手"), new NerEntity("拆卸动作", 4, 6, "拆下")],
            example.Entities);
    }

    [Fact]
    public void MiddleAndSingleTagsOfBmesAndBioes()
    {
        var path = _files.Write("b.txt", "冷 B-部件\n却 M-部件\n液 E-部件\n管 S-部件\n\n");
        Assert.Equal([new NerEntity("部件", 0, 3, "冷却液"), new NerEntity("部件", 3, 4, "管")], ConllReader.Read(path, TagScheme.Bmes).Items[0].Entities);
        var bioes = _files.Write("c.txt", "冷 B-部件\n却 I-部件\n液 E-部件\n管 S-部件\n\n");
        Assert.Equal([new NerEntity("部件", 0, 3, "冷却液"), new NerEntity("部件", 3, 4, "管")], ConllReader.Read(bioes, TagScheme.Bioes).Items[0].Entities);
    }

    [Fact]
    public void BioEntityEndsAtNextBeginOrSentenceEnd()
    {
        var path = _files.Write("d.txt", "a B-x\nb B-x\nc I-x\n");
        Assert.Equal([new NerEntity("x", 0, 1, "a"), new NerEntity("x", 1, 3, "bc")], ConllReader.Read(path, TagScheme.Bio).Items[0].Entities);
    }

    [Fact]
    public void IdeographicSpaceAndAstralCharactersAreTokens()
    {
        var path = _files.Write("e.txt", "\u3000 O\n𠀀 B-x\n好 I-x\n\n");
        var example = ConllReader.Read(path, TagScheme.Bio).Items.Single();
        Assert.Equal("\u3000𠀀好", example.Text);
        var e = example.Entities.Single();
        Assert.Equal((1, 4, "𠀀好"), (e.Start, e.End, e.Mention));
    }

    [Theory]
    [InlineData(TagScheme.Bio)]
    [InlineData(TagScheme.Bioes)]
    [InlineData(TagScheme.Bmes)]
    public void WriterAndReaderRoundTripTheSyntheticCorpus(TagScheme scheme)
    {
        var (_, dev) = ChatGlmLab.Datasets.Synthetic.MaintenanceCorpusGenerator.Generate();
        var path = _files.PathOf($"dev.{scheme}.txt");
        ConllWriter.Write(path, dev, scheme);
        var back = ConllReader.Read(path, scheme).Items;
        Assert.Equal(dev.Count, back.Count);
        for (var i = 0; i < dev.Count; i++)
            Assert.True(back[i].SameAs(dev[i]), dev[i].Text);
    }

    [Fact]
    public void CrLfFilesReadLikeLf()
    {
        var path = _files.Write("f.txt", "张 B-name\r\n三 I-name\r\n\r\n李 B-name\r\n");
        var items = ConllReader.Read(path, TagScheme.Bio).Items;
        Assert.Equal(["张三", "李"], items.Select(e => e.Text));
    }
}
