using ChatGlmLab.Adapters;
using ChatGlmLab.Checkpoints;
using ChatGlmLab.Modeling;
using ChatGlmLab.Quantization;
using ChatGlmLab.Tests.Infrastructure;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Quantization;

/// <summary>Freeze on a quantized base (the seed's "Freeze l3 INT8" row): the trained layers load in float, the rest quantized.</summary>
public class FreezeOnQuantizedBaseTests
{
    [Theory]
    [InlineData(8, "mlp")]
    [InlineData(4, "qkv")]
    public void TheLayersFreezeTrainsLoadInFloatWithTheCheckpointsValuesAndTheOthersQuantized(int bits, string module)
    {
        string dir = Paths.Fixture("chatglm-tiny");
        var options = new FinetuningOptions { FinetuningTypeName = "freeze", NumLayerTrainable = 1, NameModuleTrainable = module };
        var config = ChatGlmConfig.FromPretrained(dir);
        using var model = ChatGlmForConditionalGeneration.FromPretrained(dir, new ModelLoadOptions
        {
            QuantizationBit = bits, KeepFloat = Freezing.FreezeTrainedLinears(config.NumLayers, options),
        });

        var floats = model.named_modules().Where(m => m.module is Linear && m.name.StartsWith("transformer.layers.")).Select(m => m.name).ToList();
        string last = $"transformer.layers.{config.NumLayers - 1}.";
        string[] expected = module == "mlp" ? [last + "mlp.dense_h_to_4h", last + "mlp.dense_4h_to_h"] : [last + "attention.query_key_value"];
        Assert.Equal(expected.Order(), floats.Order());
        Assert.Equal(4 * config.NumLayers - expected.Length, Quantizer.QuantizedLinears(model).Count());

        // The float layers hold the checkpoint's weights exactly.
        using var file = new TorchZipCheckpoint(Path.Combine(dir, "pytorch_model.bin"));
        foreach (var name in expected)
        {
            using var stored = file.Tensors.Single(t => t.Name == name + ".weight").Read();
            var loaded = model.named_parameters().Single(p => p.name == name + ".weight").parameter;
            Assert.True(stored.equal(loaded).all().item<bool>(), name);
        }

        // Freeze trains exactly those layers, and gradients reach them through the quantized ones.
        var count = FineTuning.Prepare(model, options);
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
        Assert.Equal(expected.SelectMany(n => new[] { n + ".weight", n + ".bias" }).Order(), trainable.Order());
        Assert.Equal(trainable.Sum(n => model.named_parameters().Single(p => p.name == n).parameter.numel()), count.Trainable);
        model.train();
        var ids = tensor(new long[] { 5, 6, 7, 8, config.GMaskTokenId, config.BosTokenId, 9, 10 }, [1, 8]);
        var loss = model.forward(ids, null, null, ids).Loss!;
        loss.backward();
        foreach (var name in trainable)
            Assert.True(model.named_parameters().Single(p => p.name == name).parameter.grad is { } g && g.abs().sum().item<float>() > 0, name);
    }

    [Fact]
    public void AStoredQuantizedCheckpointCannotKeepLayersFloat()
    {
        var e = Assert.Throws<InvalidDataException>(() => ChatGlmForConditionalGeneration.FromPretrained(QuantFixture.QuantizedDir(8),
            new ModelLoadOptions { KeepFloat = _ => true }));
        Assert.Contains("stored quantized", e.Message);
        Assert.Contains("float checkpoint", e.Message);
    }
}
