using ChatGlmLab.Modeling;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Modeling;

public class MetaModelTests
{
    [Fact]
    public void FullSizeChatGlm6BOnMetaDeviceHasTheExpectedParameterCountAndSizes()
    {
        var config = ChatGlmConfig.ChatGlm6B();
        using var meta = ChatGlmForConditionalGeneration.CreateMeta(config);
        Assert.All(meta.parameters(), p => Assert.Equal(TorchSharp.DeviceType.META, p.device.type));

        // Independent count from the architecture: embeddings + lm_head, per block two LayerNorms and four linears, final LayerNorm.
        long h = 4096, inner = 16384, vocab = 130528, layers = 28;
        long perBlock = 2 * 2 * h + (h * 3 * h + 3 * h) + (h * h + h) + (h * inner + inner) + (inner * h + h);
        long expected = 2 * vocab * h + layers * perBlock + 2 * h;
        var size = ModelSize.Of(meta);
        Assert.Equal(expected, size.Parameters);
        Assert.Equal(expected * 2, size.Bytes(ScalarType.Float16));
        Assert.Equal(expected * 4, size.Bytes(ScalarType.Float32));

        long quantizable = layers * (h * 3 * h + h * h + h * inner + inner * h);
        long rows = layers * (3 * h + h + inner + h);
        Assert.Equal(quantizable, size.QuantizableWeights);
        Assert.Equal((expected - quantizable) * 2 + quantizable + rows * 2, size.QuantizedBytes(8));
        Assert.Equal((expected - quantizable) * 2 + quantizable / 2 + rows * 2, size.QuantizedBytes(4));
    }
}
