using ChatGlmLab.Generation;
using ChatGlmLab.Modeling;
using ChatGlmLab.Quantization;
using TorchSharp;
using static TorchSharp.torch;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Quantization;

/// <summary>Structure of quantized models: meta construction, dtype conversion, random init.</summary>
public class QuantizedModelConversionTests
{
    [Fact]
    public void ConvertingTheModelDTypeKeepsTheIntegerWeights()
    {
        using var model = ChatGlmForConditionalGeneration.FromPretrained(QuantFixture.QuantizedDir(4));
        var before = Quantizer.QuantizedLinears(model).Select(s => s.Layer.weight.clone()).ToList();
        model.to(ScalarType.BFloat16);
        var layers = Quantizer.QuantizedLinears(model).Select(s => s.Layer).ToList();
        for (int i = 0; i < layers.Count; i++)
        {
            Assert.Equal(ScalarType.Int8, layers[i].weight.dtype);
            QuantFixture.Identical(before[i], layers[i].weight, $"layer {i} weight after to(bf16)");
        }
        using var _ = no_grad();
        var logits = model.forward(TensorAssert.LongTensor(QuantFixture.Case1InputIds)).Logits;
        Assert.Equal(ScalarType.BFloat16, logits.dtype);
        // bf16 compute of a float32 fixture: only a coarse agreement is expected.
        TensorAssert.Close(QuantFixture.FullModel(4).GetProperty("case1_logits_dequant_fp32"), logits, 0.25, "bf16 logits (coarse)");
    }

    [Fact]
    public void AMetaModelOfAQuantizedConfigHasQuantizedSlots()
    {
        var config = ChatGlmConfig.FromPretrained(QuantFixture.QuantizedDir(8));
        using var meta = Quantizer.CreateModel(config, new ModuleFactory(ScalarType.Float16, META, ParameterInit.Empty));
        var slots = Quantizer.QuantizedLinears(meta).ToList();
        Assert.Equal(4 * config.NumLayers, slots.Count);
        Assert.All(slots, s => Assert.Equal(ScalarType.Int8, s.Layer.weight.dtype));
        Assert.All(slots, s => Assert.Equal(DeviceType.META, s.Layer.weight.device.type));
    }

    [Fact]
    public void ARandomlyInitialisedQuantizedModelRuns()
    {
        var config = ChatGlmConfig.FromPretrained(QuantFixture.QuantizedDir(4));
        using var model = Quantizer.CreateModel(config, new ModuleFactory(ScalarType.Float32, CPU, ParameterInit.Random));
        var layer = (QuantizedLinear)model.transformer.layers[0].mlp.dense_h_to_4h;
        Assert.True(layer.weight_scale.to(ScalarType.Float32).min().item<float>() > 0);
        using var _ = no_grad();
        var logits = model.forward(TensorAssert.LongTensor(QuantFixture.Case1InputIds)).Logits;
        Assert.False(logits.isnan().any().item<bool>());
    }

    [Fact]
    public void AQuantizedConstructionAllocatesNoFloatBlockWeights()
    {
        // What quantize-on-load relies on: the slots exist before loading, holding only int8/fp16 storage.
        var config = ChatGlmConfig.FromPretrained(Paths.Fixture("chatglm-tiny"));
        using var model = Quantizer.CreateModel(config, new ModuleFactory(ScalarType.Float32, CPU, ParameterInit.Empty), bits: 4);
        Assert.Equal(4, config.QuantizationBit);   // recorded, so a saved config says how the weights are stored
        var floatBlockWeights = model.state_dict()
            .Where(kv => ModelSize.IsQuantizableWeight(kv.Key) && kv.Value.is_floating_point()).Select(kv => kv.Key).ToList();
        Assert.Empty(floatBlockWeights);
        Assert.All(Quantizer.QuantizedLinears(model), s => Assert.Equal(new long[] { s.Layer.OutFeatures, s.Layer.InFeatures / 2 }, s.Layer.weight.shape));
    }

    [Fact]
    public void AQuantizedConfigWithoutTheSlotFactoryIsRefusedWithWhatToCall()
    {
        // Modeling does not know quantized layers: the constructor names the Quantization entry point instead.
        var config = ChatGlmConfig.FromPretrained(QuantFixture.QuantizedDir(8));
        var e = Assert.Throws<ArgumentException>(() => ChatGlmForConditionalGeneration.CreateMeta(config));
        Assert.Contains("quantization_bit 8", e.Message);
        Assert.Contains("Quantizer.CreateModel", e.Message);
    }

    [Fact]
    public void CreateModelRefusesBitsThatConflictWithTheConfig()
    {
        var config = ChatGlmConfig.FromPretrained(QuantFixture.QuantizedDir(8));
        var e = Assert.Throws<ArgumentException>(() => Quantizer.CreateModel(config, new ModuleFactory(ScalarType.Float16, META, ParameterInit.Empty), bits: 4));
        Assert.Contains("conflicts", e.Message);
        Assert.Equal(8, config.QuantizationBit);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void GreedyGenerationWithTheCacheAgreesWithFullRecompute(int bits)
    {
        using var model = ChatGlmForConditionalGeneration.FromPretrained(QuantFixture.QuantizedDir(bits));
        using var scope = NewDisposeScope();
        var prompt = TensorAssert.LongTensor(QuantFixture.Case1InputIds);
        var output = model.Generate(prompt, new ChatGlmLab.Generation.GenerationOptions { MaxNewTokens = 6 });
        long promptLength = prompt.shape[1], total = output.shape[1];
        Assert.True(total > promptLength);
        using var _ = no_grad();
        var logits = model.forward(output).Logits;
        var ids = output[0].data<long>().ToArray();
        for (long i = promptLength; i < total; i++)
            Assert.Equal(ids[i], logits[0, i - 1].argmax().item<long>());
    }
}
