using ChatGlmLab.Quantization;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Quantization;

public class DequantizationScratchTests
{
    [Theory]
    [InlineData(4, ScalarType.BFloat16)]
    [InlineData(8, ScalarType.Float32)]
    public void TheReusedBufferGivesTheSameWeightsAsAFreshTensorForEveryShapeInTurn(int bits, ScalarType dtype)
    {
        // Larger, smaller, larger again: the buffer grows once and later, smaller matrices reuse its memory.
        foreach (var (rows, cols) in new[] { (64L, 96L), (8L, 32L), (130L, 200L), (3L, 30L) })
        {
            using var scope = NewDisposeScope();
            var q = SymmetricRowQuantization.Quantize(randn(rows, cols), bits);
            var fresh = Dequantization.Dequantize(q.Weight, q.Scale, bits, DequantizationMode.Float32, dtype);
            var reused = Dequantization.DequantizeForMatmul(q.Weight, q.Scale, bits, DequantizationMode.Float32, dtype);
            Assert.Equal(fresh.shape, reused.shape);
            Assert.True(fresh.equal(reused).all().item<bool>(), $"{rows}x{cols}");
        }
    }
}
