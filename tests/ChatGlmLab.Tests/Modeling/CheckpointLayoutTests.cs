using ChatGlmLab.Modeling;
using static TorchSharp.torch;
using ChatGlmLab.Tests.Infrastructure;
using ChatGlmLab.Tests.Tokenization;

namespace ChatGlmLab.Tests.Modeling;

/// <summary>Every checkpoint layout gives the case-1 logits.</summary>
public class CheckpointLayoutTests
{
    private static readonly System.Text.Json.JsonElement Cases = FixtureJson.Load("chatglm-tiny", "cases.json");

    [Theory]
    [InlineData("chatglm-tiny")]
    [InlineData("chatglm-tiny-sharded")]
    [InlineData("chatglm-tiny-safetensors")]
    public void Fp32LayoutsGiveCase1Logits(string folder)
    {
        var c1 = Cases.GetProperty("case1_single_forward");
        using var model = ChatGlmForConditionalGeneration.FromPretrained(Paths.Fixture(folder));
        using var _ = no_grad();
        var logits = model.forward(TensorAssert.LongTensor(c1.GetProperty("input_ids"))).Logits;
        TensorAssert.Close(c1.GetProperty("logits"), logits, 1e-4, folder);
    }

    [Fact]
    public void Fp16CheckpointUpcastToFp32()
    {
        var c1 = Cases.GetProperty("case1_single_forward");
        using var model = ChatGlmForConditionalGeneration.FromPretrained(Paths.Fixture("chatglm-tiny-fp16"));
        Assert.Equal(ScalarType.Float32, model.DType);
        using var _ = no_grad();
        var logits = model.forward(TensorAssert.LongTensor(c1.GetProperty("input_ids"))).Logits;
        TensorAssert.Close(Cases.GetProperty("fp16_checkpoint").GetProperty("case1_logits_fp16_weights_fp32_compute"), logits, 1e-4, "fp16 weights");
    }

    [Theory]
    [InlineData(ScalarType.BFloat16, 0.15)]
    [InlineData(ScalarType.Float16, 0.05)]
    public void HalfPrecisionModelsStayCloseToFp32(ScalarType dtype, double tolerance)
    {
        // Not a parity case (upstream has none for half compute); a sanity bound on the reduced precision path.
        var c1 = Cases.GetProperty("case1_single_forward");
        using var model = ChatGlmForConditionalGeneration.FromPretrained(Paths.Fixture("chatglm-tiny"), new ModelLoadOptions { DType = dtype });
        Assert.Equal(dtype, model.DType);
        using var _ = no_grad();
        var logits = model.forward(TensorAssert.LongTensor(c1.GetProperty("input_ids"))).Logits;
        TensorAssert.Close(c1.GetProperty("logits"), logits, tolerance, dtype.ToString());
    }
}
