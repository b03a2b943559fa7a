using ChatGlmLab.Adapters;
using ChatGlmLab.Modeling;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Adapters;

public class TrainableParameterCountTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void AQuantizedBaseCountsItsWeightsByTheirFloatSizeAsTheToolkitPrintsThem(int bits)
    {
        string dir = Paths.Fixture("chatglm-tiny");
        using var floatModel = ChatGlmForConditionalGeneration.FromPretrained(dir);
        var floatCount = FineTuning.Prepare(floatModel, new FinetuningOptions { FinetuningTypeName = "lora" });
        using var quantized = ChatGlmForConditionalGeneration.FromPretrained(dir, new ModelLoadOptions { QuantizationBit = bits });
        var quantizedCount = FineTuning.Prepare(quantized, new FinetuningOptions { FinetuningTypeName = "lora" });

        Assert.True(floatCount.Trainable > 0);
        Assert.Equal(floatCount.Trainable, quantizedCount.Trainable);
        Assert.Equal(floatCount.All, quantizedCount.All);
        Assert.Equal($"trainable params: {floatCount.Trainable} || all params: {floatCount.All} || trainable%: {floatCount.Percent:F4}", quantizedCount.ToString());
    }
}
