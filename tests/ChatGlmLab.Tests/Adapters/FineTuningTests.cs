using ChatGlmLab.Adapters;
using ChatGlmLab.Checkpoints;
using ChatGlmLab.Modeling;
using ChatGlmLab.Training;
using static TorchSharp.torch;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Adapters;

/// <summary>Which parameters each method trains, that training touches only those, and save/load round trips.</summary>
public sealed class FineTuningTests : IDisposable
{
    private static string Tiny => Paths.Fixture("chatglm-tiny");
    private readonly string _dir = Directory.CreateTempSubdirectory("chatglmlab-ft-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly Tensor Ids = tensor(new long[] { 358, 241, 229, 475, 301, 27, 431, 591, 594, 120, 45, 300, 12, 7, 595 }, [1, 15]);
    private static readonly Tensor Labels = tensor(new long[] { -100, -100, -100, -100, -100, -100, -100, -100, -100, 120, 45, 300, 12, 7, 595 }, [1, 15]);

    private static List<string> TrainableNames(ChatGlmForConditionalGeneration model) =>
        model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).OrderBy(n => n, StringComparer.Ordinal).ToList();

    public static TheoryData<string, string[]> Methods => new()
    {
        { "lora", ["transformer.layers.0.attention.query_key_value.lora_A.weight", "transformer.layers.0.attention.query_key_value.lora_B.weight",
                   "transformer.layers.1.attention.query_key_value.lora_A.weight", "transformer.layers.1.attention.query_key_value.lora_B.weight"] },
        { "p_tuning", ["transformer.prefix_encoder.embedding.weight"] },
        { "freeze", ["transformer.layers.1.mlp.dense_4h_to_h.bias", "transformer.layers.1.mlp.dense_4h_to_h.weight",
                     "transformer.layers.1.mlp.dense_h_to_4h.bias", "transformer.layers.1.mlp.dense_h_to_4h.weight"] },
        { "none", [] },
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void ExactlyTheRightParametersAreTrainable(string method, string[] expected)
    {
        using var model = ChatGlmForConditionalGeneration.FromPretrained(Tiny);
        var options = new FinetuningOptions { FinetuningTypeName = method, NumLayerTrainable = 1 };
        var report = FineTuning.Prepare(model, options);
        Assert.Equal(expected, TrainableNames(model));
        Assert.Equal(expected.Sum(n => model.named_parameters().First(p => p.name == n).parameter.numel()), report.Trainable);
    }

    [Fact]
    public void OptionVariantsSelectTheirParameters()
    {
        using (var model = ChatGlmForConditionalGeneration.FromPretrained(Tiny))
        {
            FineTuning.Prepare(model, new FinetuningOptions { FinetuningTypeName = "freeze", NumLayerTrainable = -1, NameModuleTrainable = "qkv" });
            Assert.Equal(["transformer.layers.0.attention.query_key_value.bias", "transformer.layers.0.attention.query_key_value.weight"], TrainableNames(model));
        }
        using (var model = ChatGlmForConditionalGeneration.FromPretrained(Tiny))
        {
            FineTuning.Prepare(model, new FinetuningOptions { FinetuningTypeName = "p_tuning", PreSeqLen = 4, PrefixProjection = true });
            Assert.Equal(["transformer.prefix_encoder.embedding.weight", "transformer.prefix_encoder.trans.0.bias", "transformer.prefix_encoder.trans.0.weight",
                          "transformer.prefix_encoder.trans.2.bias", "transformer.prefix_encoder.trans.2.weight"], TrainableNames(model));
        }
        using (var model = ChatGlmForConditionalGeneration.FromPretrained(Tiny))
        {
            FineTuning.Prepare(model, new FinetuningOptions { FinetuningTypeName = "lora", LoraTarget = "dense,dense_4h_to_h", LoraRank = 2 });
            Assert.Equal(8, TrainableNames(model).Count);
            Assert.Contains("transformer.layers.0.attention.dense.lora_A.weight", TrainableNames(model));
            Assert.Contains("transformer.layers.1.mlp.dense_4h_to_h.lora_B.weight", TrainableNames(model));
        }
        using (var model = ChatGlmForConditionalGeneration.FromPretrained(Tiny))
        {
            var report = FineTuning.Prepare(model, FinetuningOptions.For(FinetuningType.Full));
            Assert.Equal(report.All, report.Trainable);
            Assert.Equal(100.0, report.Percent);
        }
    }

    [Fact]
    public void UnknownLoraTargetListsTheLinears()
    {
        using var model = ChatGlmForConditionalGeneration.FromPretrained(Tiny);
        var e = Assert.Throws<ArgumentException>(() => FineTuning.Prepare(model, new FinetuningOptions { LoraTarget = "q_proj" }));
        Assert.Contains("q_proj", e.Message);
        Assert.Contains("query_key_value", e.Message);
    }

    [Theory]
    [InlineData("lora")]
    [InlineData("p_tuning")]
    [InlineData("freeze")]
    [InlineData("full")]
    public void OneOptimizerStepChangesOnlyTrainableParameters(string method)
    {
        using var model = ChatGlmForConditionalGeneration.FromPretrained(Tiny);
        FineTuning.Prepare(model, new FinetuningOptions { FinetuningTypeName = method, NumLayerTrainable = 1, PreSeqLen = 4 });
        model.train();
        var before = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        var optimizer = optim.AdamW(trainable, lr: 1e-2);
        // LoRA's B starts at zero, so its A only moves from the second step on: take two.
        for (int i = 0; i < 2; i++)
        {
            optimizer.zero_grad();
            model.forward(Ids, null, null, Labels).Loss!.backward();
            optimizer.step();
        }
        foreach (var (name, p) in model.named_parameters())
        {
            bool same = p.detach().equal(before[name]).all().item<bool>();
            if (p.requires_grad) Assert.False(same, $"{name} is trainable but did not change");
            else Assert.True(same, $"{name} is frozen but changed");
        }
    }

    [Theory]
    [InlineData("lora", 4)]
    [InlineData("p_tuning", 4)]
    [InlineData("lora", 8)]
    public void AdaptersTrainOnAQuantizedBaseWithoutTouchingIt(string method, int bits)
    {
        using var model = ChatGlmForConditionalGeneration.FromPretrained(Tiny, new ModelLoadOptions { QuantizationBit = bits });
        FineTuning.Prepare(model, new FinetuningOptions { FinetuningTypeName = method, PreSeqLen = 4 });
        model.train();
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToHashSet();
        Assert.NotEmpty(trainable);
        var optimizer = optim.AdamW(model.parameters().Where(p => p.requires_grad), lr: 1e-2);
        for (int i = 0; i < 2; i++)
        {
            optimizer.zero_grad();
            model.forward(Ids, null, null, Labels).Loss!.backward();
            optimizer.step();
        }
        foreach (var (name, value) in model.state_dict())
        {
            bool same = value.equal(before[name]).all().item<bool>();
            if (trainable.Contains(name)) Assert.False(same, $"{name} is trainable but did not change");
            else Assert.True(same, $"{name} (quantized base) changed");
        }
        Assert.Contains(model.state_dict().Keys, k => k.EndsWith("weight_scale"));
    }

    [Fact]
    public void LoraSavesInPeftLayoutAndReloadsToTheSameLogits()
    {
        using var model = ChatGlmForConditionalGeneration.FromPretrained(Tiny);
        FineTuning.Prepare(model, new FinetuningOptions { LoraRank = 4 });
        using (no_grad()) foreach (var (_, l) in Lora.Adapters(model)) l.lora_B.weight.normal_(0, 0.05);
        model.eval();
        Tensor expected;
        using (no_grad()) expected = model.forward(Ids).Logits;
        foreach (var safetensors in new[] { false, true })
        {
            string dir = Path.Combine(_dir, safetensors ? "st" : "bin");
            Lora.Save(model, dir, Tiny, safetensors);
            var keys = CheckpointKeys(Path.Combine(dir, safetensors ? "adapter_model.safetensors" : "adapter_model.bin"));
            Assert.Contains("base_model.model.transformer.layers.0.attention.query_key_value.lora_A.weight", keys);

            using var reloaded = ChatGlmForConditionalGeneration.FromPretrained(Tiny);
            FineTuning.ApplyCheckpoints(reloaded, [dir]);    // merged into the base for inference
            Assert.Empty(Lora.Adapters(reloaded));
            using (no_grad())
                Assert.True((reloaded.forward(Ids).Logits - expected).abs().max().item<float>() <= 1e-5);
        }
    }

    [Fact]
    public void ChainedLoraCheckpointsMergeInOrderAndExportReloads()
    {
        using var model = ChatGlmForConditionalGeneration.FromPretrained(Tiny);
        FineTuning.Prepare(model, new FinetuningOptions { LoraRank = 2 });
        using (no_grad()) foreach (var (_, l) in Lora.Adapters(model)) l.lora_B.weight.normal_(0, 0.05);
        Lora.Save(model, Path.Combine(_dir, "a"), Tiny);
        using (no_grad()) foreach (var (_, l) in Lora.Adapters(model)) l.lora_B.weight.normal_(0, 0.05);
        Lora.Save(model, Path.Combine(_dir, "b"), Tiny);

        using var chained = ChatGlmForConditionalGeneration.FromPretrained(Tiny);
        FineTuning.ApplyCheckpoints(chained, [Path.Combine(_dir, "a"), Path.Combine(_dir, "b")]);
        using var manual = ChatGlmForConditionalGeneration.FromPretrained(Tiny);
        Lora.Load(manual, Path.Combine(_dir, "a")); Lora.MergeAndUnload(manual);
        Lora.Load(manual, Path.Combine(_dir, "b")); Lora.MergeAndUnload(manual);
        using var _ = no_grad();
        var logits = chained.forward(Ids).Logits;
        Assert.True((logits - manual.forward(Ids).Logits).abs().max().item<float>() <= 1e-6);

        string export = Path.Combine(_dir, "export");
        ModelExport.SavePretrained(chained, export);
        using var exported = ChatGlmForConditionalGeneration.FromPretrained(export);
        Assert.True((exported.forward(Ids).Logits - logits).abs().max().item<float>() <= 1e-6);
        Assert.Contains("transformer.layers.0.attention.rotary_emb.inv_freq", CheckpointKeys(Path.Combine(export, "pytorch_model.bin")));
    }

    [Fact]
    public void PrefixAndFreezeOutputsRoundTrip()
    {
        foreach (var method in new[] { "p_tuning", "freeze" })
        {
            using var model = ChatGlmForConditionalGeneration.FromPretrained(Tiny);
            var options = new FinetuningOptions { FinetuningTypeName = method, PreSeqLen = 4, NumLayerTrainable = 1 };
            FineTuning.Prepare(model, options);
            using (no_grad()) foreach (var p in model.parameters().Where(p => p.requires_grad)) p.add_(randn_like(p) * 0.05);
            model.eval();
            Tensor expected;
            using (no_grad()) expected = model.forward(Ids).Logits;
            string dir = Path.Combine(_dir, method);
            FineTuning.Save(model, options, dir, Tiny);
            Assert.Equal(method, FinetuningOptions.TryLoad(dir)!.FinetuningTypeName);

            using var reloaded = ChatGlmForConditionalGeneration.FromPretrained(Tiny);
            FineTuning.ApplyCheckpoints(reloaded, [dir]);
            reloaded.eval();
            using (no_grad())
                Assert.True((reloaded.forward(Ids).Logits - expected).abs().max().item<float>() <= 1e-6, method);
        }
    }

    [Fact]
    public void AdapterForAnotherBaseIsRejectedNamingFileAndKey()
    {
        var config = ChatGlmConfig.FromPretrained(Tiny);
        config.HiddenSize = 32; config.InnerHiddenSize = 64;
        using var other = ChatGlmForConditionalGeneration.Create(config);
        var e = Assert.Throws<InvalidDataException>(() => Lora.Load(other, Paths.Fixture("chatglm-tiny-lora")));
        Assert.Contains("adapter_model.bin", e.Message);
        Assert.Contains("lora_A.weight", e.Message);

        var missing = Assert.Throws<FileNotFoundException>(() => Lora.Load(other, _dir));
        Assert.Contains("adapter_config.json", missing.Message);

        // An adapter of modules this architecture does not have: named by its config file, not as a lora_target argument.
        string foreign = Directory.CreateDirectory(Path.Combine(_dir, "foreign")).FullName;
        File.Copy(Paths.Fixture("chatglm-tiny-lora", "adapter_model.bin"), Path.Combine(foreign, "adapter_model.bin"));
        File.WriteAllText(Path.Combine(foreign, "adapter_config.json"),
            File.ReadAllText(Paths.Fixture("chatglm-tiny-lora", "adapter_config.json")).Replace("query_key_value", "q_proj"));
        using var tiny = ChatGlmForConditionalGeneration.Create(ChatGlmConfig.FromPretrained(Tiny));
        var wrongTargets = Assert.Throws<InvalidDataException>(() => Lora.Load(tiny, foreign));
        Assert.Contains(Path.Combine(foreign, "adapter_config.json"), wrongTargets.Message);
        Assert.Contains("q_proj", wrongTargets.Message);
        Assert.Throws<DirectoryNotFoundException>(() => FineTuning.ApplyCheckpoints(other, [Path.Combine(_dir, "nope")]));
    }

    private static List<string> CheckpointKeys(string path)
    {
        using var file = ChatGlmLab.Checkpoints.CheckpointLoader.Open(path);
        return file.Tensors.Select(t => t.Name).ToList();
    }
}
