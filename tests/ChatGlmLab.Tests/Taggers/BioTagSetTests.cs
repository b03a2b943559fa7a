using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Taggers;

namespace ChatGlmLab.Tests.Taggers;

/// <summary>Entities → BIO tag ids → entities, and the sentences that cannot be tagged one tag per character.</summary>
public sealed class BioTagSetTests
{
    private static readonly BioTagSet Tags = new(["name", "address"]);

    [Fact]
    public void TagsAreOutsideThenBeginAndInsidePerType()
    {
        Assert.Equal(["O", "B-name", "I-name", "B-address", "I-address"], Tags.Tags);
    }

    [Fact]
    public void EntitiesBecomeTagIdsAndBack()
    {
        // 叶老桂 (name, 3 chars) right before 北京 (address, 2 chars): the B of the second closes the first.
        const string text = "我叫叶老桂北京人";
        var example = new NerExample(text, [new NerEntity("address", 5, 7, "北京"), new NerEntity("name", 2, 5, "叶老桂")]);
        var ids = Tags.TryEncode(example)!;
        Assert.Equal([0L, 0, 1, 2, 2, 3, 4, 0], ids);
        var back = Tags.Decode(text, ids.Select(i => (int)i).ToList());
        Assert.Equal(example.EntitiesInTextOrder(), back);
    }

    [Fact]
    public void AnEntityAtTheEndAndASingleCharacterOneAreClosed()
    {
        var spans = Tags.Decode("京A", [3, 1]);
        Assert.Equal([new NerEntity("address", 0, 1, "京"), new NerEntity("name", 1, 2, "A")], spans);
    }

    [Fact]
    public void OverlappingSpansAndUnknownTypesCannotBeTagged()
    {
        const string text = "北京大学";
        Assert.Null(Tags.TryEncode(new NerExample(text, [new NerEntity("address", 0, 2, "北京"), new NerEntity("name", 0, 4, "北京大学")])));
        Assert.Null(Tags.TryEncode(new NerExample(text, [new NerEntity("organization", 0, 4, "北京大学")])));
        var none = Tags.TryEncode(new NerExample(text, []));
        Assert.NotNull(none);
        Assert.Equal([0L, 0, 0, 0], none);
    }

    [Fact]
    public void AnInsideTagThatContinuesNothingIsRefusedNotGuessed()
    {
        Assert.Throws<IllegalTagSequenceException>(() => Tags.Decode("北京", [0, 2]));
    }
}
