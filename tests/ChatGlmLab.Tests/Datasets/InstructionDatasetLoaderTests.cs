using ChatGlmLab.Datasets;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Datasets.Synthetic;
using ChatGlmLab.Tasks.Ner;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Datasets;

public class InstructionDatasetLoaderTests : IDisposable
{
    private readonly TempFiles _files = new();
    public void Dispose() => _files.Dispose();

    [Fact]
    public void BundledRegistryLoadsTheMaintenanceFilesWithVerifiedSha1()
    {
        var dataDir = Path.Combine(Paths.RepoRoot, "data");
        var split = InstructionDatasetLoader.Load(new InstructionDatasetRequest("maintenance_3turn_dev, maintenance_single_dev") { DatasetDir = dataDir });
        var dev = NerJson.Read(Path.Combine(dataDir, "maintenance", "dev.ner.jsonl")).Items;
        var expected = dev.Sum(e => new NerInstructionBuilder().Build(e).Count) + dev.Count;
        Assert.Equal(expected, split.Train.Count);
        Assert.Empty(split.Dev);
        Assert.All(split.Reports, r => Assert.Equal(0, r.RecordsSkipped));
        Assert.Empty(split.Warnings);
    }

    [Fact]
    public void BundledRegistryListsEveryBenchmarkTheSeedNames()
    {
        var registry = DatasetRegistry.Load(Path.Combine(Paths.RepoRoot, "data", DatasetRegistry.FileName));
        string[] names = ["alpaca_en", "alpaca_zh", "alpaca_gpt4_en", "alpaca_gpt4_zh", "belle_0.5m", "belle_1m", "belle_2m",
            "belle_dialog", "belle_math", "belle_multiturn", "guanaco", "firefly", "codealpaca", "alpaca_cot", "webqa"];
        foreach (var name in names)
        {
            var entry = registry.Get(name);
            Assert.NotNull(entry.FileName);
            Assert.StartsWith("https://", entry.DownloadHint);
        }
        Assert.Equal("target", registry.Get("firefly").Columns.Response);
    }

    /// <summary>A few hand-written records in each benchmark's published record format, loaded through its registry entry.</summary>
    [Fact]
    public void EveryBenchmarkRecordFormatIsReadable()
    {
        var alpacaArray = """
            [
              {"instruction": "Give three tips for staying healthy.", "input": "", "output": "Eat well, sleep well, move daily."},
              {"instruction": "把下面的句子翻译成英文。", "input": "今天天气很好。", "output": "The weather is nice today."}
            ]
            """;
        var belleLines = """
            {"instruction": "写一首关于秋天的短诗。", "input": "", "output": "秋风起，落叶黄。"}
            {"instruction": "Human: 你好\nAssistant: 你好！有什么可以帮你？\nHuman: 讲个笑话\nAssistant: ", "input": "", "output": "从前有座山……"}
            """;
        var files = new Dictionary<string, string>
        {
            ["alpaca_en"] = alpacaArray, ["alpaca_zh"] = alpacaArray, ["alpaca_gpt4_en"] = alpacaArray, ["alpaca_gpt4_zh"] = alpacaArray,
            ["belle_0.5m"] = belleLines, ["belle_1m"] = belleLines, ["belle_2m"] = belleLines, ["belle_dialog"] = belleLines,
            ["belle_math"] = belleLines, ["belle_multiturn"] = belleLines, ["guanaco"] = alpacaArray, ["codealpaca"] = alpacaArray,
            ["alpaca_cot"] = alpacaArray,
            ["firefly"] = """
                {"kind": "ClassicalChinese", "input": "将下面的句子翻译成文言文：我喜欢读书。", "target": "吾好读书。"}
                {"kind": "Couplet", "input": "对联：春风得意", "target": "秋月无边"}
                """,
            ["webqa"] = """
                {"input": "中国的首都是哪里？", "output": "北京"}
                {"input": "一年有几个季节？", "output": "四个"}
                """,
        };
        // The published SHA-1s belong to the real files, not to these samples.
        var entries = PublicInstructionDatasets.Entries.Select(e => e with { FileSha1 = null }).ToList();
        DatasetRegistry.Write(Path.Combine(_files.Dir, DatasetRegistry.FileName), entries);
        foreach (var e in entries)
            _files.Write(e.FileName!, files[e.Name]);

        foreach (var e in entries)
        {
            var split = InstructionDatasetLoader.Load(new InstructionDatasetRequest(e.Name) { DatasetDir = _files.Dir });
            Assert.Equal(2, split.Train.Count);
            Assert.All(split.Train, r => Assert.False(string.IsNullOrEmpty(r.Query), e.Name));
            Assert.All(split.Train, r => Assert.False(string.IsNullOrEmpty(r.Output), e.Name));
        }
        var firefly = InstructionDatasetLoader.Load(new InstructionDatasetRequest("firefly") { DatasetDir = _files.Dir }).Train[0];
        Assert.Equal(("将下面的句子翻译成文言文：我喜欢读书。", "", "吾好读书。"), (firefly.Instruction, firefly.Input, firefly.Output));
        var zh = InstructionDatasetLoader.Load(new InstructionDatasetRequest("alpaca_zh") { DatasetDir = _files.Dir }).Train[1];
        Assert.Equal("把下面的句子翻译成英文。今天天气很好。", zh.Query);
    }

    private string MakeDatasets()
    {
        var a = string.Concat(Enumerable.Range(0, 10).Select(i => $"{{\"instruction\": \"a{i}\", \"output\": \"x\"}}\n"));
        var b = string.Concat(Enumerable.Range(0, 7).Select(i => $"{{\"q\": \"b{i}\", \"r\": \"y\"}}\n"));
        _files.Write("a.jsonl", a);
        _files.Write("b.jsonl", b);
        DatasetRegistry.Write(Path.Combine(_files.Dir, DatasetRegistry.FileName),
        [
            new DatasetEntry("a") { FileName = "a.jsonl", FileSha1 = ChatGlmLab.Datasets.Synthetic.MaintenanceCorpusGenerator.Sha1Hex(_files.PathOf("a.jsonl")) },
            new DatasetEntry("b") { FileName = "b.jsonl", Columns = new InstructionColumns("q", "", "r", "") },
        ]);
        return _files.Dir;
    }

    [Fact]
    public void SeveralDatasetsMaxSamplesPerDatasetAndSeededDevSplit()
    {
        var dir = MakeDatasets();
        var all = InstructionDatasetLoader.Load(new InstructionDatasetRequest("a,b") { DatasetDir = dir });
        Assert.Equal(17, all.Train.Count);
        Assert.Equal("a0", all.Train[0].Instruction);
        Assert.Equal("b0", all.Train[10].Instruction);

        var capped = InstructionDatasetLoader.Load(new InstructionDatasetRequest("a,b") { DatasetDir = dir, MaxSamples = 3 });
        Assert.Equal(["a0", "a1", "a2", "b0", "b1", "b2"], capped.Train.Select(r => r.Instruction));

        var request = new InstructionDatasetRequest("a,b") { DatasetDir = dir, DevRatio = 0.2, Seed = 1 };
        var s1 = InstructionDatasetLoader.Load(request);
        var s2 = InstructionDatasetLoader.Load(request);
        var s3 = InstructionDatasetLoader.Load(request with { Seed = 2 });
        Assert.Equal(4, s1.Dev.Count);            // ceil(17 × 0.2)
        Assert.Equal(13, s1.Train.Count);
        Assert.Equal(s1.Dev.Select(r => r.Instruction), s2.Dev.Select(r => r.Instruction));
        Assert.NotEqual(s1.Dev.Select(r => r.Instruction), s3.Dev.Select(r => r.Instruction));
        Assert.Empty(s1.Dev.Select(r => r.Instruction).Intersect(s1.Train.Select(r => r.Instruction)));
        // The toolkit's members and order: np.random.default_rng(1).permutation(17) = [1, 10, 14, 15 | 7, 12, 3, ...].
        Assert.Equal(["a1", "b0", "b4", "b5"], s1.Dev.Select(r => r.Instruction));
        Assert.Equal(["a7", "b2", "a3", "a4", "a5", "a8", "a0", "a9", "a2", "b6", "b3", "b1", "a6"], s1.Train.Select(r => r.Instruction));
    }

    [Fact]
    public void Sha1MismatchFailsStrictAndWarnsLenient()
    {
        var dir = MakeDatasets();
        File.AppendAllText(_files.PathOf("a.jsonl"), "{\"instruction\": \"extra\", \"output\": \"x\"}\n");
        var ex = Assert.Throws<DataFormatException>(() => InstructionDatasetLoader.Load(new InstructionDatasetRequest("a") { DatasetDir = dir }));
        Assert.Equal(_files.PathOf("a.jsonl"), ex.FilePath);
        Assert.Contains("SHA-1", ex.Message);
        var lenient = InstructionDatasetLoader.Load(new InstructionDatasetRequest("a") { DatasetDir = dir, Lenient = true });
        Assert.Equal(11, lenient.Train.Count);
        Assert.Contains(lenient.Warnings, w => w.Contains("SHA-1"));
    }

    [Fact]
    public void MissingBenchmarkFileSaysWhereToDownloadIt()
    {
        DatasetRegistry.Write(Path.Combine(_files.Dir, DatasetRegistry.FileName), PublicInstructionDatasets.Entries);
        var ex = Assert.Throws<DataFormatException>(() => InstructionDatasetLoader.Load(new InstructionDatasetRequest("belle_1m") { DatasetDir = _files.Dir }));
        Assert.Contains("https://huggingface.co/datasets/BelleGroup/train_1M_CN", ex.Message);
        Assert.Contains("belle_1m.json", ex.Message);
        var unknown = Assert.Throws<DataFormatException>(() => InstructionDatasetLoader.Load(new InstructionDatasetRequest("nope") { DatasetDir = _files.Dir }));
        Assert.Contains("no dataset named 'nope'", unknown.Message);
    }

    [Fact]
    public void RegistryRoundTripsThroughWriteAndLoad()
    {
        var path = Path.Combine(_files.Dir, DatasetRegistry.FileName);
        DatasetRegistry.Write(path, PublicInstructionDatasets.Entries);
        var back = DatasetRegistry.Load(path);
        foreach (var e in PublicInstructionDatasets.Entries)
            Assert.Equal(e, back.Get(e.Name));
    }
}
