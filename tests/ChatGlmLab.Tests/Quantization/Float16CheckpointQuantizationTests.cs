using ChatGlmLab.Checkpoints;
using ChatGlmLab.Modeling;
using ChatGlmLab.Quantization;
using ChatGlmLab.Tests.Infrastructure;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Quantization;

/// <summary>
/// Real checkpoints are float16 and upstream quantizes them with float16 arithmetic (<c>model.half().quantize(bits)</c>):
/// quantize-on-load must follow the dtype stored in the checkpoint, whatever the model's compute dtype.
/// Expectations come from <see cref="ScalarQuantizationReference"/> (scalar System.Half code, not the kit's torch ops),
/// itself pinned to the case7 from_fp16 fixture.
/// </summary>
public class Float16CheckpointQuantizationTests
{
    private static string Fp16Dir => Paths.Fixture("chatglm-tiny-fp16");

    private static (sbyte[] Stored, Half[] Scales) ReferenceFromFloat16(Tensor fp16Weight, int bits)
    {
        Assert.Equal(ScalarType.Float16, fp16Weight.dtype);
        var values = Halves(fp16Weight);
        return ScalarQuantizationReference.FromFloat16(values, (int)fp16Weight.shape[0], (int)fp16Weight.shape[1], bits);
    }

    /// <summary>A float16 tensor's values (widened to float32 and back: both conversions are exact).</summary>
    private static Half[] Halves(Tensor t) => t.to(ScalarType.Float32).contiguous().data<float>().ToArray().Select(f => (Half)f).ToArray();

    private static void AssertStored((sbyte[] Stored, Half[] Scales) expected, Tensor weight, Tensor scale, string what)
    {
        Assert.Equal(ScalarType.Int8, weight.dtype);
        Assert.Equal(ScalarType.Float16, scale.dtype);
        var gotWeight = weight.contiguous().data<sbyte>().ToArray();
        var gotScale = Halves(scale);
        Assert.Equal(expected.Stored.Length, gotWeight.Length);
        for (int i = 0; i < gotWeight.Length; i++)
            Assert.True(expected.Stored[i] == gotWeight[i], $"{what}: stored byte {i} is {gotWeight[i]}, expected {expected.Stored[i]}");
        Assert.Equal(expected.Scales.Length, gotScale.Length);
        for (int i = 0; i < gotScale.Length; i++)
            Assert.True(BitConverter.HalfToUInt16Bits(expected.Scales[i]) == BitConverter.HalfToUInt16Bits(gotScale[i]),
                $"{what}: scale {i} is {gotScale[i]}, expected {expected.Scales[i]}");
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void TheReferenceRuleGivesTheFixturesFromFp16Entries(int bits)
    {
        using var scope = NewDisposeScope();
        var matrix = QuantFixture.FloatTensor(QuantFixture.Case7.GetProperty("matrix_fp32")).to(ScalarType.Float16);
        var expected = QuantFixture.Case7.GetProperty("from_fp16").GetProperty($"int{bits}");
        var reference = ReferenceFromFloat16(matrix, bits);
        QuantFixture.EqualInts(expected.GetProperty("weight"), tensor(reference.Stored, [64, 64 * bits / 8]), $"reference from_fp16 int{bits} weight");
        QuantFixture.EqualHalves(expected.GetProperty("weight_scale"), tensor(reference.Scales.Select(h => (float)h).ToArray()).to(ScalarType.Float16),
            $"reference from_fp16 int{bits} weight_scale");

        // And the kit's quantizer on the float16 matrix agrees with it.
        var kit = SymmetricRowQuantization.Quantize(matrix, bits);
        AssertStored(reference, kit.Weight, kit.Scale, $"SymmetricRowQuantization int{bits}");
    }

    [Theory]
    [InlineData(8, ScalarType.Float32)]
    [InlineData(4, ScalarType.Float32)]
    [InlineData(8, ScalarType.Float16)]
    [InlineData(4, ScalarType.Float16)]
    [InlineData(8, ScalarType.BFloat16)]
    [InlineData(4, ScalarType.BFloat16)]
    public void LoadingTheFp16CheckpointQuantizesEveryBlockLinearWithTheFp16Rule(int bits, ScalarType modelDType)
    {
        var checkpoint = CheckpointLoader.ReadStateDict(Path.Combine(Fp16Dir, "pytorch_model.bin"));
        try
        {
            using var model = ChatGlmForConditionalGeneration.FromPretrained(Fp16Dir, new ModelLoadOptions { DType = modelDType, QuantizationBit = bits });
            var layers = Quantizer.QuantizedLinears(model).ToList();
            Assert.Equal(4 * model.Config.NumLayers, layers.Count);
            foreach (var (prefix, layer) in layers)
            {
                var reference = ReferenceFromFloat16(checkpoint[prefix + ".weight"], bits);
                AssertStored(reference, layer.weight, layer.weight_scale, $"{modelDType} model, int{bits} {prefix}");
            }
        }
        finally { foreach (var t in checkpoint.Values) t.Dispose(); }
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void ABFloat16WeightQuantizesAsTorchDoesWithBFloat16Arithmetic(int bits)
    {
        using var scope = NewDisposeScope();
        var matrix = QuantFixture.FloatTensor(QuantFixture.Case7.GetProperty("matrix_fp32")).to(ScalarType.BFloat16);
        var values = matrix.to(ScalarType.Float32).data<float>().ToArray();
        var reference = ScalarQuantizationReference.FromBFloat16(values, 64, 64, bits);
        var kit = SymmetricRowQuantization.Quantize(matrix, bits);
        AssertStored(reference, kit.Weight, kit.Scale, $"bf16 int{bits}");
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void ABFloat16CheckpointIsQuantizedInBFloat16NotUpcast(int bits)
    {
        // A bf16 copy of the tiny checkpoint, loaded into a float32 model: its block linears follow the bf16 rule.
        string dir = Directory.CreateTempSubdirectory("chatglm-tiny-bf16-").FullName;
        var checkpoint = CheckpointLoader.ReadStateDict(Path.Combine(Paths.Fixture("chatglm-tiny"), "pytorch_model.bin"));
        try
        {
            File.Copy(Path.Combine(Paths.Fixture("chatglm-tiny"), "config.json"), Path.Combine(dir, "config.json"));
            var bf16 = checkpoint.Where(kv => !CheckpointLoader.IsIgnoredKey(kv.Key))
                .Select(kv => KeyValuePair.Create(kv.Key, kv.Value.is_floating_point() ? kv.Value.to(ScalarType.BFloat16) : kv.Value)).ToList();
            SafetensorsTestWriter.Write(Path.Combine(dir, "model.safetensors"), bf16);
            using var model = ChatGlmForConditionalGeneration.FromPretrained(dir, new ModelLoadOptions { QuantizationBit = bits });
            var weights = bf16.ToDictionary(kv => kv.Key, kv => kv.Value);
            foreach (var (prefix, layer) in Quantizer.QuantizedLinears(model))
            {
                var w = weights[prefix + ".weight"];
                var reference = ScalarQuantizationReference.FromBFloat16(w.to(ScalarType.Float32).contiguous().data<float>().ToArray(),
                    (int)w.shape[0], (int)w.shape[1], bits);
                AssertStored(reference, layer.weight, layer.weight_scale, $"bf16 checkpoint int{bits} {prefix}");
            }
            foreach (var (_, t) in bf16) t.Dispose();
        }
        finally
        {
            foreach (var t in checkpoint.Values) t.Dispose();
            Directory.Delete(dir, recursive: true);
        }
    }
}
