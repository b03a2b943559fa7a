using ChatGlmLab.Adapters;
using ChatGlmLab.Experiments;
using ChatGlmLab.Modeling;

namespace ChatGlmLab.Tests.Experiments;

/// <summary>The named profiles the notebooks and `compare --profile` share.</summary>
public sealed class ExperimentProfileTests
{
    [Fact]
    public void TinyIsASmallerBudgetThanReducedOnTheSamePipeline()
    {
        var tiny = ExperimentProfile.Options(ExperimentProfile.Tiny, "out");
        var reduced = ExperimentProfile.Options(ExperimentProfile.Reduced, "out");
        Assert.True(tiny.Finetune.Steps * tiny.Finetune.BatchSize < reduced.Finetune.Steps * reduced.Finetune.BatchSize);
        Assert.True(tiny.BaseModel.Steps < reduced.BaseModel.Steps && tiny.DevSentences < reduced.DevSentences);
        Assert.Equal(ComparedMethods.For(tiny.BaseModel.NumLayers), tiny.Finetune.Methods);   // the same methods, Freeze on its fewer blocks
        Assert.Null(tiny.ModelNameOrPath);                         // builds the small model
    }

    /// <summary>A sentence whose type the profile's questions do not offer is named by file and sentence (from 1), before any model is built.</summary>
    [Fact]
    public void ASentenceOfATypeTheQuestionsLackIsNamedByFileAndSentence()
    {
        using var tmp = new Infrastructure.TempFiles();
        string source = Path.Combine(Infrastructure.Paths.RepoRoot, "data", "maintenance");
        Directory.CreateDirectory(tmp.PathOf("maintenance"));
        File.Copy(Path.Combine(source, "dev.ner.jsonl"), tmp.PathOf(Path.Combine("maintenance", "dev.ner.jsonl")));
        var lines = File.ReadAllLines(Path.Combine(source, "train.ner.jsonl")).Take(10).ToArray();
        var third = System.Text.Json.Nodes.JsonNode.Parse(lines[2])!;
        third["entities"]![0]!["type"] = "未知类型";
        lines[2] = third.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        File.WriteAllLines(tmp.PathOf(Path.Combine("maintenance", "train.ner.jsonl")), lines);

        var options = ExperimentProfile.Options(ExperimentProfile.Tiny, tmp.PathOf("out"), tmp.Dir);
        var e = Assert.Throws<ArgumentException>(() => ExperimentData.Prepare(options));
        Assert.Contains($"{Path.Combine(tmp.Dir, "maintenance", "train.ner.jsonl")}, sentence 3: type '未知类型'", e.Message);
        Assert.False(Directory.Exists(tmp.PathOf(Path.Combine("out", "base-model"))));
    }

    [Fact]
    public void ChatGlm6BNeedsTheCheckpointAndUsesAllData()
    {
        Assert.Throws<ArgumentException>(() => ExperimentProfile.Options(ExperimentProfile.ChatGlm6B, "out"));
        var real = ExperimentProfile.Options(ExperimentProfile.ChatGlm6B, "out", "data", "/models/chatglm-6b");
        Assert.Equal("/models/chatglm-6b", real.ModelNameOrPath);
        Assert.Equal(0, real.TrainSentences);
        Assert.Equal(new FinetuningOptions().NumLayerTrainable, real.Finetune.Methods.Single(m => m.Name == "freeze").Options.NumLayerTrainable);   // the toolkit's 3 of 28
        Assert.Equal(ComparedMethods.All.Where(m => m.Name != "freeze"), real.Finetune.Methods.Where(m => m.Name != "freeze"));
    }

    /// <summary>The long profile changes only what a longer run buys: the data it sees and the steps (the base model is the same).</summary>
    [Fact]
    public void LongIsTheDefaultRecipeWithAllTheDataAndMoreSteps()
    {
        var defaults = ExperimentProfile.Options(ExperimentProfile.Default, "out");
        var longer = ExperimentProfile.Options(ExperimentProfile.Long, "out");
        Assert.True(longer.Finetune.Steps > defaults.Finetune.Steps);
        Assert.Equal((0, 0), (longer.TrainSentences, longer.DevSentences));
        Assert.Equal(defaults.Finetune.Methods, longer.Finetune.Methods);
        Assert.Equal(defaults with { TrainSentences = 0, DevSentences = 0, Finetune = defaults.Finetune with { Steps = longer.Finetune.Steps }, Tagger = longer.Tagger },
            longer with { Finetune = longer.Finetune with { Methods = defaults.Finetune.Methods } });   // the methods' list is a new array per options
    }

    [Fact]
    public void UnknownProfilesAreNamedWithTheValidOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => ExperimentProfile.Options("huge", "out"));
        Assert.Contains("huge", e.Message);
        Assert.Contains("chatglm-6b", e.Message);
    }

    /// <summary>The tiny profile's effective settings (the committed notebook outputs were made with these).</summary>
    [Fact]
    public void TinyIsTheReducedProfileShrunk()
    {
        var tiny = ExperimentProfile.Options(ExperimentProfile.Tiny, "out");
        Assert.Equal((40, 4, 16), (tiny.TrainSentences, tiny.DevSentences, tiny.Generation.MaxNewTokens));
        Assert.Equal((64, 2, 2, 256), (tiny.BaseModel.HiddenSize, tiny.BaseModel.NumLayers, tiny.BaseModel.NumHeads, tiny.BaseModel.InnerHiddenSize));
        Assert.Equal((120, 16, 2e-3, 4000), (tiny.BaseModel.Steps, tiny.BaseModel.BatchSize, tiny.BaseModel.LearningRate, tiny.BaseModel.GeneratorSentences));
        Assert.Equal((24, 4, (bool?)null, "cosine"), (tiny.Finetune.Steps, tiny.Finetune.BatchSize, tiny.Finetune.Bf16, tiny.Finetune.LrSchedulerType));
        Assert.False(tiny.Generation.DoSample);
    }

    /// <summary>The compared methods differ from the adapters' own defaults (the toolkit's) only where ComparedMethods says why.</summary>
    [Fact]
    public void TheComparedMethodsAreTheToolkitDefaultsPlusTheirStatedChanges()
    {
        var toolkit = new FinetuningOptions();
        Assert.Equal(["lora", "p_tuning", "freeze", "full"], ComparedMethods.All.Select(m => m.Name));
        Assert.Equal(ComparedMethods.Lora.Options with { LoraTarget = toolkit.LoraTarget }, FinetuningOptions.For(FinetuningType.Lora));
        Assert.Equal(ComparedMethods.PTuning.Options with { PrefixProjection = toolkit.PrefixProjection }, FinetuningOptions.For(FinetuningType.PTuning));
        Assert.Equal(ComparedMethods.Freeze.Options with { NumLayerTrainable = toolkit.NumLayerTrainable }, FinetuningOptions.For(FinetuningType.Freeze));
        Assert.Equal((8, 32.0, 5e-3), (ComparedMethods.Lora.Options.LoraRank, ComparedMethods.Lora.Options.LoraAlpha, ComparedMethods.Lora.LearningRate));
        Assert.Equal([5e-3, 5e-3, 3e-3, 1e-3], ComparedMethods.All.Select(m => m.LearningRate));
    }

    /// <summary>Freeze names more blocks than the test profile's and CLUENER's base models have: there it trains every block
    /// (FineTuning would refuse more), on a deeper model the last ones it names; nothing else changes with the depth.</summary>
    [Fact]
    public void FreezeTrainsEveryBlockOfAModelWithFewer()
    {
        int named = ComparedMethods.Freeze.Options.NumLayerTrainable;
        Assert.True(named > 2);
        foreach (int layers in new[] { 1, 2, named - 1, named, 28 })
        {
            var methods = ComparedMethods.For(layers);
            var freeze = methods.Single(m => m.Name == "freeze");
            Assert.Equal(layers < named ? layers : named, freeze.Options.NumLayerTrainable);
            Assert.Equal(ComparedMethods.Freeze.LearningRate, freeze.LearningRate);
            Assert.Equal(ComparedMethods.All.Where(m => m.Name != "freeze"), methods.Where(m => m.Name != "freeze"));
        }
        var tiny = ExperimentProfile.Options(ExperimentProfile.Tiny, "out");
        Assert.Equal(tiny.BaseModel.NumLayers, tiny.Finetune.Methods.Single(m => m.Name == "freeze").Options.NumLayerTrainable);
        var defaults = ExperimentProfile.Options(ExperimentProfile.Default, "out");
        Assert.Equal(ComparedMethods.All, defaults.Finetune.Methods);

        // The report names the blocks as the toolkit counts them: the last n, or the first n for a negative n.
        Assert.Equal($"last {named} layer(s), mlp", MethodRun.Describe(ComparedMethods.Freeze.Options));
        Assert.Equal("first 2 layer(s), qkv", MethodRun.Describe(ComparedMethods.Freeze.Options with { NumLayerTrainable = -2, NameModuleTrainable = "qkv" }));
        // So does the memory table (its rows are the same options).
        var rows = MemoryTable.Compute(ChatGlmConfig.ChatGlm6B(), [ComparedMethods.Freeze.Options with { NumLayerTrainable = -2 }, ComparedMethods.Freeze.Options with { NumLayerTrainable = 3 }]);
        Assert.Equal(["freeze (first 2 layers, mlp)", "freeze (last 3 layers, mlp)"], rows.Select(r => r.Method).Distinct());
    }
}
