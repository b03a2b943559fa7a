using ChatGlmLab.Datasets;
using ChatGlmLab.ModelInputs;
using ChatGlmLab.Tokenization;
using ChatGlmLab.Tests.Infrastructure;
using ChatGlmLab.Tests.Tokenization;

namespace ChatGlmLab.Tests.ModelInputs;

/// <summary>The on-disk cache of tokenized SFT examples: hits equal fresh preprocessing; the key follows content and settings; rebuilds.</summary>
public class PreprocessingCacheTests(SmallTokenizerFixture fx) : IClassFixture<SmallTokenizerFixture>, IDisposable
{
    private readonly TempFiles _files = new();
    public void Dispose() => _files.Dispose();

    private static readonly IReadOnlyList<InstructionRecord> Records =
    [
        new("找出句中的实体类型：", "拆下冷却液管上的螺栓。", "部件$动作", [("", ""), ("", "")]),
        new("句中有哪些部件？", "", "冷却液管$螺栓", [("找出句中的实体类型：拆下冷却液管上的螺栓。", "部件$动作")]),
        new("a", "b", "c", InstructionRecord.NoHistory),
    ];

    private SupervisedPreprocessor Pre(SftOptions? options = null) => new(fx.Tokenizer, options ?? new SftOptions { MaxSourceLength = 64, MaxTargetLength = 16 });

    private (PreprocessingCache Cache, List<string> Log) Cache(bool overwrite = false)
    {
        var log = new List<string>();
        return (new PreprocessingCache(_files.Dir, overwrite, log.Add), log);
    }

    private static void AssertSame(IReadOnlyList<TokenizedExample> expected, IReadOnlyList<TokenizedExample> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].InputIds, actual[i].InputIds);
            Assert.Equal(expected[i].Labels, actual[i].Labels);
        }
    }

    [Theory]
    [InlineData(SftExampleKind.Training)]
    [InlineData(SftExampleKind.Evaluation)]
    public void SecondCallHitsTheCacheAndReturnsWhatAFreshPreprocessGives(SftExampleKind kind)
    {
        var pre = Pre();
        var fresh = Records.Select(r => pre.For(kind, r)).ToList();
        var (cache, log) = Cache();
        AssertSame(fresh, cache.GetOrBuild(pre, Records, kind));
        Assert.StartsWith("preprocessing cache miss (no cache file): tokenized 3 ", log[^1]);
        var path = Assert.Single(Directory.GetFiles(_files.Dir));     // no temporary file left behind
        Assert.Contains(path, log[^1]);

        AssertSame(fresh, cache.GetOrBuild(pre, Records, kind));
        Assert.StartsWith("preprocessing cache hit: 3 ", log[^1]);
        Assert.EndsWith(path, log[^1]);
    }

    [Fact]
    public void KeyChangesWithEveryContentAndSettingChange()
    {
        var pre = Pre();
        string Key(SupervisedPreprocessor p, IReadOnlyList<InstructionRecord> records, SftExampleKind kind = SftExampleKind.Training) =>
            PreprocessingCacheKey.Compute(p, records, kind).Hex;
        var baseline = Key(pre, Records);
        Assert.Equal(baseline, Key(Pre(), Records.Select(r => r with { }).ToList()));   // same content, other objects: same key

        var changed = new Dictionary<string, string>
        {
            ["output"] = Key(pre, [Records[0] with { Output = "部件" }, Records[1], Records[2]]),
            ["input"] = Key(pre, [Records[0] with { Input = "拆下冷却液管上的螺栓" }, Records[1], Records[2]]),
            ["history"] = Key(pre, [Records[0] with { History = [("", "")] }, Records[1], Records[2]]),
            ["instruction/input boundary"] = Key(pre, [Records[0] with { Instruction = "找出句中的实体类型：拆", Input = "下冷却液管上的螺栓。" }, Records[1], Records[2]]),
            ["fewer records (max_samples)"] = Key(pre, Records.Take(2).ToList()),
            ["order (dev split)"] = Key(pre, Records.Reverse().ToList()),
            ["kind"] = Key(pre, Records, SftExampleKind.Evaluation),
            ["max_source_length"] = Key(Pre(new SftOptions { MaxSourceLength = 65, MaxTargetLength = 16 }), Records),
            ["max_target_length"] = Key(Pre(new SftOptions { MaxSourceLength = 64, MaxTargetLength = 17 }), Records),
            ["keep sop"] = Key(Pre(new SftOptions { MaxSourceLength = 64, MaxTargetLength = 16, KeepSopLabel = true }), Records),
            ["template"] = Key(Pre(new SftOptions { MaxSourceLength = 64, MaxTargetLength = 16, Template = "chatglm-cet" }), Records),
            ["tokenizer config"] = Key(new SupervisedPreprocessor(ChatGlmTokenizer.Create(fx.ModelPath, fx.Tokenizer.Config with { NumImageTokens = 7 }),
                pre.Options), Records),
        };
        // Another model file with the same settings: copy the small model and change one byte of a piece's score.
        var copy = _files.PathOf("other.model");
        File.Copy(fx.ModelPath, copy);
        var other = ChatGlmTokenizer.Create(copy, fx.Tokenizer.Config);
        Assert.Equal(baseline, Key(new SupervisedPreprocessor(other, pre.Options), Records));   // identical bytes: same key
        var bytes = File.ReadAllBytes(copy);
        bytes[^3] ^= 1;                                                                           // inside the trainer spec / last piece
        File.WriteAllBytes(copy, bytes);
        changed["tokenizer model file"] = Key(new SupervisedPreprocessor(other, pre.Options), Records);

        foreach (var (what, key) in changed)
            Assert.True(key != baseline, $"the key did not change with {what}");
        Assert.Equal(changed.Count, changed.Values.Distinct().Count());
    }

    [Fact]
    public void OverwriteCacheRebuildsInsteadOfReading()
    {
        var pre = Pre();
        var (cache, _) = Cache();
        cache.GetOrBuild(pre, Records, SftExampleKind.Training);
        var path = Assert.Single(Directory.GetFiles(_files.Dir));
        // A valid file for the same key but with other ids: a normal run reads it (proof that it reads the cache) ...
        var key = PreprocessingCacheKey.Compute(pre, Records, SftExampleKind.Training);
        var planted = Records.Select(_ => new TokenizedExample([1, 2, 3], [-100, 2, 3])).ToList();
        TokenizedExampleFile.Write(path, Convert.FromHexString(key.Hex), planted);
        AssertSame(planted, cache.GetOrBuild(pre, Records, SftExampleKind.Training));

        // ... overwrite_cache tokenizes again and replaces the file.
        var (overwriting, log) = Cache(overwrite: true);
        var fresh = Records.Select(pre.ForTraining).ToList();
        AssertSame(fresh, overwriting.GetOrBuild(pre, Records, SftExampleKind.Training));
        Assert.StartsWith("preprocessing cache miss (overwrite_cache)", log[^1]);
        AssertSame(fresh, TokenizedExampleFile.Read(path, Convert.FromHexString(key.Hex)));
    }

    public static TheoryData<string> Corruptions => ["truncated", "flipped byte", "empty", "garbage", "other key"];

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void CorruptCacheFileIsReportedAndRebuilt(string corruption)
    {
        var pre = Pre();
        var (cache, log) = Cache();
        var fresh = cache.GetOrBuild(pre, Records, SftExampleKind.Evaluation);
        var path = Assert.Single(Directory.GetFiles(_files.Dir));
        var bytes = File.ReadAllBytes(path);
        switch (corruption)
        {
            case "truncated": File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]); break;
            case "flipped byte": bytes[bytes.Length / 2] ^= 0x40; File.WriteAllBytes(path, bytes); break;
            case "empty": File.WriteAllBytes(path, []); break;
            case "garbage": File.WriteAllText(path, "not a cache file at all, but long enough to pass the size check.............."); break;
            case "other key": TokenizedExampleFile.Write(path, new byte[32], fresh); break;
        }

        AssertSame(Records.Select(pre.ForEvaluation).ToList(), cache.GetOrBuild(pre, Records, SftExampleKind.Evaluation));
        Assert.Contains(log, l => l.StartsWith($"preprocessing cache file {path} is invalid: unreadable (") && l.EndsWith("rebuilding it"));
        Assert.StartsWith("preprocessing cache miss (unreadable", log[^1]);
        // The rebuilt file is whole again.
        AssertSame(fresh, cache.GetOrBuild(pre, Records, SftExampleKind.Evaluation));
        Assert.StartsWith("preprocessing cache hit", log[^1]);
    }

    [Fact]
    public void FileRoundTripsEveryLabelForm()
    {
        TokenizedExample[] examples =
        [
            new([5, 6, 7], [-100, -100, 7]),        // training layout: stored as a masked-prefix length
            new([5, 6, 7], [5, 6, 7]),              // prefix 0
            new([5, 6, 7], [5, -100, 7]),           // same length, not a prefix mask: stored in full
            new([5, 6], [8, 9, 10]),                // evaluation layout: other length
            new([], []),
        ];
        var path = _files.PathOf("forms.bin");
        var key = new byte[32];
        key[0] = 1;
        TokenizedExampleFile.Write(path, key, examples);
        AssertSame(examples, TokenizedExampleFile.Read(path, key));
        Assert.Throws<InvalidDataException>(() => TokenizedExampleFile.Read(path, new byte[32]));
    }

    [Fact]
    public void UnwritableCacheFolderIsReportedAndTheRunContinues()
    {
        var blocker = _files.Write("blocker", "a file where the cache folder should be");
        var log = new List<string>();
        var cache = new PreprocessingCache(Path.Combine(blocker, "cache"), log: log.Add);
        var examples = cache.GetOrBuild(Pre(), Records, SftExampleKind.Training);
        Assert.Equal(3, examples.Count);
        Assert.Contains("could not write", log[^1]);
    }
}
