using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Quantization;

public class QuantizedCheckpointChainTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void AQuantizedBaseRefusesAChainOfCheckpointsAndSaysWhatToDo(int bits)
    {
        var e = Assert.Throws<ArgumentException>(() => ChatGlm.LoadPretrained(new ModelArguments
        {
            ModelNameOrPath = Paths.Fixture("chatglm-tiny"), CheckpointDir = "lora-a,lora-b", QuantizationBit = bits,
        }));
        Assert.Contains($"quantization_bit {bits}", e.Message);
        Assert.Contains("single checkpoint_dir", e.Message);
        Assert.Contains("export", e.Message);
    }
}
