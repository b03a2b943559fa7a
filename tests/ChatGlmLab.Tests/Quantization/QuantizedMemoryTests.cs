using ChatGlmLab.Modeling;
using ChatGlmLab.Quantization;
using static TorchSharp.torch;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Quantization;

/// <summary>
/// The bytes a quantized model really holds versus <see cref="ModelSize.QuantizedBytes"/>, which is computed
/// on the float model and assumes every non-quantized weight is float16 (as in the real chatglm-6b).
/// </summary>
public class QuantizedMemoryTests
{
    /// <summary>Bytes of every tensor in the state dict (the tiny model holds no inv_freq buffers).</summary>
    private static long StateDictBytes(ChatGlmForConditionalGeneration model) =>
        model.state_dict().Values.Sum(t => t.numel() * t.ElementSize);

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void Float16ModelHoldsExactlyQuantizedBytes(int bits)
    {
        // Same dtype assumption as QuantizedBytes: embeddings, LayerNorms, biases, lm_head float16.
        using var floatModel = ChatGlmForConditionalGeneration.FromPretrained(Paths.Fixture("chatglm-tiny-fp16"), new ModelLoadOptions { DType = ScalarType.Float16 });
        var size = ModelSize.Of(floatModel);
        Assert.Equal(size.Bytes(ScalarType.Float16), StateDictBytes(floatModel));

        using var quantized = ChatGlmForConditionalGeneration.FromPretrained(Paths.Fixture("chatglm-tiny-fp16"),
            new ModelLoadOptions { DType = ScalarType.Float16, QuantizationBit = bits });
        Assert.Equal(size.QuantizedBytes(bits), StateDictBytes(quantized));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void Float32ModelHoldsQuantizedBytesPlusTwoBytesPerFloat32Weight(int bits)
    {
        // The tiny fp32 model keeps its non-quantized weights (embeddings, LayerNorms, biases, lm_head) in
        // float32: 2 bytes per element more than QuantizedBytes assumes. The int8/int4 weights and the
        // float16 scales are the same bytes.
        using var floatModel = ChatGlmForConditionalGeneration.FromPretrained(Paths.Fixture("chatglm-tiny"));
        var size = ModelSize.Of(floatModel);
        using var quantized = ChatGlmForConditionalGeneration.FromPretrained(Paths.Fixture("chatglm-tiny"), new ModelLoadOptions { QuantizationBit = bits });
        long stayFloat32 = size.Parameters - size.QuantizableWeights;
        Assert.Equal(size.QuantizedBytes(bits) + 2 * stayFloat32, StateDictBytes(quantized));

        // And the quantized layers alone: bits/8 bytes per weight plus one float16 scale per row.
        long quantizedLayerBytes = Quantizer.QuantizedLinears(quantized).Sum(s => s.Layer.weight.numel() + 2 * s.Layer.weight_scale.numel());
        Assert.Equal(size.QuantizableWeights * bits / 8 + size.QuantizedRows * 2, quantizedLayerBytes);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void AQuantizedModelReportsTheSizesOfItsFloatOriginal(int bits)
    {
        using var floatModel = ChatGlmForConditionalGeneration.FromPretrained(Paths.Fixture("chatglm-tiny"));
        using var quantized = ChatGlmForConditionalGeneration.FromPretrained(QuantFixture.QuantizedDir(bits));
        Assert.Equal(ModelSize.Of(floatModel), ModelSize.Of(quantized));
    }

    [Fact]
    public void SizesOfAQuantizedConfigAreThoseOfItsFloatStructure()
    {
        var config = ChatGlmConfig.FromPretrained(QuantFixture.QuantizedDir(4));
        var floatConfig = ChatGlmConfig.FromPretrained(Paths.Fixture("chatglm-tiny"));
        Assert.Equal(ModelSize.Of(floatConfig), ModelSize.Of(config));
    }
}
