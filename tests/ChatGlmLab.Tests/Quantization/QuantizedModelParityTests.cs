using ChatGlmLab.Checkpoints;
using ChatGlmLab.Modeling;
using ChatGlmLab.Quantization;
using static TorchSharp.torch;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Quantization;

/// <summary>
/// The whole tiny model quantized three ways — Quantizer.Quantize on the loaded float model, quantize-on-load
/// from the float checkpoint, and loading the fixture's quantized state dicts — against case7 (weights exact,
/// logits within 1e-4 for the same dequantization mode).
/// </summary>
public class QuantizedModelParityTests
{
    private const double LogitTolerance = 1e-4;
    private static string FloatDir => Paths.Fixture("chatglm-tiny");

    private static ChatGlmForConditionalGeneration QuantizedInPlace(int bits)
    {
        var model = ChatGlmForConditionalGeneration.FromPretrained(FloatDir);
        Quantizer.Quantize(model, bits);
        return model;
    }

    private static Tensor Logits(ChatGlmForConditionalGeneration model, DequantizationMode? mode)
    {
        Quantizer.SetDequantizationMode(model, mode);
        using var _ = no_grad();
        return model.forward(TensorAssert.LongTensor(QuantFixture.Case1InputIds)).Logits;
    }

    /// <summary>Every quantized tensor (weight, weight_scale, bias of every block linear) equals the fixture state dict.</summary>
    private static void AssertEqualsQuantizedStateDict(ChatGlmForConditionalGeneration model, int bits)
    {
        var expected = CheckpointLoader.ReadStateDict(Path.Combine(QuantFixture.QuantizedDir(bits), "pytorch_model.bin"));
        var actual = model.state_dict();
        int compared = 0;
        foreach (var (key, want) in expected)
        {
            if (CheckpointLoader.IsIgnoredKey(key)) continue;
            Assert.True(actual.ContainsKey(key), $"model has no '{key}'");
            QuantFixture.Identical(want, actual[key], key);
            compared++;
        }
        Assert.Equal(actual.Count, compared);
        foreach (var t in expected.Values) t.Dispose();
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void QuantizeMatchesEveryLayerOfTheQuantizedStateDict(int bits)
    {
        using var model = QuantizedInPlace(bits);
        Assert.Equal(bits, model.Config.QuantizationBit);
        Assert.Equal(4 * model.Config.NumLayers, Quantizer.QuantizedLinears(model).Count());
        AssertEqualsQuantizedStateDict(model, bits);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void StateDictKeysShapesAndDTypesAreUpstreams(int bits)
    {
        using var model = QuantizedInPlace(bits);
        var state = model.state_dict();
        foreach (var entry in QuantFixture.FullModel(bits).GetProperty("quantized_state_keys").EnumerateObject())
        {
            if (CheckpointLoader.IsIgnoredKey(entry.Name)) continue;
            var shape = FixtureJson.LongArray(entry.Value[0]);
            string dtype = entry.Value[1].GetString()!;
            Assert.True(state.ContainsKey(entry.Name), $"missing '{entry.Name}'");
            Assert.Equal(shape, state[entry.Name].shape);
            Assert.Equal(dtype, state[entry.Name].dtype switch
            {
                ScalarType.Int8 => "int8", ScalarType.Float16 => "float16", ScalarType.Float32 => "float32", var t => t.ToString(),
            });
        }
    }

    [Theory]
    [InlineData(8, DequantizationMode.Float32, "case1_logits_dequant_fp32")]
    [InlineData(8, DequantizationMode.Float16, "case1_logits_dequant_fp16")]
    [InlineData(4, DequantizationMode.Float32, "case1_logits_dequant_fp32")]
    [InlineData(4, DequantizationMode.Float16, "case1_logits_dequant_fp16")]
    public void QuantizedModelLogitsMatchInBothDequantizationModes(int bits, DequantizationMode mode, string key)
    {
        using var model = QuantizedInPlace(bits);
        var logits = Logits(model, mode);
        double matched = TensorAssert.Close(QuantFixture.FullModel(bits).GetProperty(key), logits, LogitTolerance, $"int{bits} {key}");
        // The modes are distinguishable: the other mode's fixture is further away than this one.
        string other = key.EndsWith("fp32") ? "case1_logits_dequant_fp16" : "case1_logits_dequant_fp32";
        double mismatched = TensorAssert.Close(QuantFixture.FullModel(bits).GetProperty(other), logits, 1.0, $"int{bits} {other}");
        Assert.True(mismatched > 10 * matched, $"int{bits} {key}: matched {matched:E2}, other mode {mismatched:E2}");
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void DefaultModeOfAFloat32ModelIsTheExactFloat32Dequantization(int bits)
    {
        using var model = QuantizedInPlace(bits);
        TensorAssert.Close(QuantFixture.FullModel(bits).GetProperty("case1_logits_dequant_fp32"), Logits(model, null), LogitTolerance, $"int{bits} default mode");
        Assert.Equal(DequantizationMode.Float16, Dequantization.DefaultFor(ScalarType.Float16));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void FromPretrainedLoadsTheQuantizedFixture(int bits)
    {
        using var model = ChatGlmForConditionalGeneration.FromPretrained(QuantFixture.QuantizedDir(bits));
        Assert.Equal(bits, model.Config.QuantizationBit);
        Assert.All(Quantizer.QuantizedLinears(model), s => Assert.Equal(bits, s.Layer.Bits));
        TensorAssert.Close(QuantFixture.FullModel(bits).GetProperty("case1_logits_dequant_fp32"), Logits(model, null), LogitTolerance, $"int{bits} loaded");
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void FromPretrainedQuantizesAFloatCheckpointOnLoad(int bits)
    {
        using var model = ChatGlmForConditionalGeneration.FromPretrained(FloatDir, new ModelLoadOptions { QuantizationBit = bits });
        Assert.Equal(bits, model.Config.QuantizationBit);
        AssertEqualsQuantizedStateDict(model, bits);
        TensorAssert.Close(QuantFixture.FullModel(bits).GetProperty("case1_logits_dequant_fp32"), Logits(model, null), LogitTolerance, $"int{bits} quantized on load");
        TensorAssert.Close(QuantFixture.FullModel(bits).GetProperty("case1_logits_dequant_fp16"), Logits(model, DequantizationMode.Float16), LogitTolerance, $"int{bits} quantized on load, fp16 mode");
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void QuantizingOnLoadFromOtherLayoutsGivesTheSameWeights(int bits)
    {
        using var fromSafetensors = ChatGlmForConditionalGeneration.FromPretrained(Paths.Fixture("chatglm-tiny-safetensors"), new ModelLoadOptions { QuantizationBit = bits });
        AssertEqualsQuantizedStateDict(fromSafetensors, bits);
        using var fromShards = ChatGlmForConditionalGeneration.FromPretrained(Paths.Fixture("chatglm-tiny-sharded"), new ModelLoadOptions { QuantizationBit = bits });
        AssertEqualsQuantizedStateDict(fromShards, bits);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void AFloat16ModelQuantizesInFloat16LikeFromFp16(int bits)
    {
        // case7 'matrix' is layers.0.attention.dense.weight; from_fp16 quantizes it with fp16 arithmetic.
        var expected = QuantFixture.Case7.GetProperty("from_fp16").GetProperty($"int{bits}");
        using var model = ChatGlmForConditionalGeneration.FromPretrained(Paths.Fixture("chatglm-tiny-fp16"),
            new ModelLoadOptions { DType = ScalarType.Float16, QuantizationBit = bits });
        var dense = (QuantizedLinear)model.transformer.layers[0].attention.dense;
        QuantFixture.EqualHalves(expected.GetProperty("weight_scale"), dense.weight_scale, "fp16 model weight_scale");
        QuantFixture.EqualInts(expected.GetProperty("weight"), dense.weight, "fp16 model weight");

        // The same through the structural pass on a loaded fp16 model.
        using var inPlace = ChatGlmForConditionalGeneration.FromPretrained(Paths.Fixture("chatglm-tiny-fp16"), new ModelLoadOptions { DType = ScalarType.Float16 });
        Quantizer.Quantize(inPlace, bits);
        var dense2 = (QuantizedLinear)inPlace.transformer.layers[0].attention.dense;
        QuantFixture.EqualHalves(expected.GetProperty("weight_scale"), dense2.weight_scale, "fp16 Quantize weight_scale");
        QuantFixture.EqualInts(expected.GetProperty("weight"), dense2.weight, "fp16 Quantize weight");
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void DecodeStepsThroughTheFusedKernelGiveTheQuantizedLogits(int bits)
    {
        // case1 = 8 context tokens + <sop>. Prefilling the context (8 rows) and then decoding <sop> (1 row) with the
        // cache runs every block linear through QuantizedMatVec; the context's logits and <sop>'s logits are the
        // fixture's positions 0..7 and 8 (context tokens never attend to <sop>, <sop> attends to everything).
        using var model = ChatGlmForConditionalGeneration.FromPretrained(QuantFixture.QuantizedDir(bits));
        var case1 = QuantFixture.Cases.GetProperty("case1_single_forward");
        var ids = TensorAssert.LongTensor(case1.GetProperty("input_ids"));
        var positions = TensorAssert.LongTensor(case1.GetProperty("position_ids"));
        var mask = TensorAssert.BoolTensor(case1.GetProperty("attention_mask"));
        var expected = QuantFixture.FloatTensor(QuantFixture.FullModel(bits).GetProperty("case1_logits_dequant_fp32"));
        long context = ids.shape[1] - 1;
        Assert.True(context <= QuantizedMatVec.MaxRows);

        using var _ = no_grad();
        using var cache = new KeyValueCache(model.Config.NumLayers, ids.shape[1]);
        var prefill = model.forward(new CausalLMInput(ids.narrow(1, 0, context), positions.narrow(2, 0, context),
            mask.narrow(2, 0, context).narrow(3, 0, context)) { Cache = cache }).Logits;
        TensorAssert.Close(expected.narrow(1, 0, context).contiguous().data<float>().ToArray(), prefill, LogitTolerance, $"int{bits} prefill of {context} tokens");
        Assert.All(Quantizer.QuantizedLinears(model), s => Assert.Equal(1, s.Layer.FusedCallCount));

        var step = model.forward(new CausalLMInput(ids.narrow(1, context, 1), positions.narrow(2, context, 1)) { Cache = cache, LastPositionOnly = true }).Logits;
        TensorAssert.Close(expected.narrow(1, context, 1).contiguous().data<float>().ToArray(), step, LogitTolerance, $"int{bits} decode step");
        Assert.All(Quantizer.QuantizedLinears(model), s => Assert.Equal(2, s.Layer.FusedCallCount));
    }

    [Theory]
    [InlineData(8, ScalarType.Float32)]
    [InlineData(4, ScalarType.Float32)]
    [InlineData(8, ScalarType.BFloat16)]
    [InlineData(4, ScalarType.BFloat16)]
    public void GreedyGenerationIsTheSameWithAndWithoutTheFusedKernel(int bits, ScalarType dtype)
    {
        var c3 = QuantFixture.Cases.GetProperty("case3_greedy");
        var prompt = tensor(FixtureJson.LongArray(c3.GetProperty("prompt")), [1, c3.GetProperty("prompt").GetArrayLength()]);
        var options = new ChatGlmLab.Generation.GenerationOptions { MaxNewTokens = c3.GetProperty("max_new_tokens").GetInt32() };
        using var model = ChatGlmForConditionalGeneration.FromPretrained(QuantFixture.QuantizedDir(bits), new ModelLoadOptions { DType = dtype });

        var fused = model.Generate(prompt, options).data<long>().ToArray();
        Assert.All(Quantizer.QuantizedLinears(model), s => Assert.True(s.Layer.FusedCallCount >= options.MaxNewTokens!.Value - 1, $"{s.Prefix}: fused kernel not used"));
        foreach (var (_, layer) in Quantizer.QuantizedLinears(model)) layer.FusedDecode = false;
        var unfused = model.Generate(prompt, options).data<long>().ToArray();
        Assert.Equal(unfused, fused);
    }

    [Fact]
    public void QuantizingTwiceOrToAnotherWidthOnLoadIsRefused()
    {
        using var model = QuantizedInPlace(8);
        var e = Assert.Throws<InvalidOperationException>(() => Quantizer.Quantize(model, 4));
        Assert.Contains("already quantized", e.Message);
        var e2 = Assert.Throws<InvalidDataException>(() =>
            ChatGlmForConditionalGeneration.FromPretrained(QuantFixture.QuantizedDir(8), new ModelLoadOptions { QuantizationBit = 4 }));
        Assert.Contains("quantization_bit", e2.Message);
    }
}
