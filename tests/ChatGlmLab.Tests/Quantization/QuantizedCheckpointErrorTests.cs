using ChatGlmLab.Checkpoints;
using ChatGlmLab.Modeling;
using static TorchSharp.torch;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Quantization;

/// <summary>Broken quantized checkpoints fail with errors naming the file and the key.</summary>
public sealed class QuantizedCheckpointErrorTests : IDisposable
{
    private const string DenseWeight = "transformer.layers.1.attention.dense.weight";
    private const string DenseScale = "transformer.layers.1.attention.dense.weight_scale";
    private readonly string _dir = Directory.CreateTempSubdirectory("chatglmlab-quant-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The int{bits} fixture state dict, edited, written as model.safetensors next to its config.json.</summary>
    private string WriteEdited(int bits, Action<Dictionary<string, Tensor>> edit)
    {
        File.Copy(Path.Combine(QuantFixture.QuantizedDir(bits), "config.json"), Path.Combine(_dir, "config.json"));
        var state = CheckpointLoader.ReadStateDict(Path.Combine(QuantFixture.QuantizedDir(bits), "pytorch_model.bin"));
        edit(state);
        SafetensorsTestWriter.Write(Path.Combine(_dir, "model.safetensors"), state);
        return Path.Combine(_dir, "model.safetensors");
    }

    [Fact]
    public void TheEditedCopyLoadsWhenNothingIsBroken()
    {
        WriteEdited(8, _ => { });
        using var model = ChatGlmForConditionalGeneration.FromPretrained(_dir);
        TensorAssert.Close(QuantFixture.FullModel(8).GetProperty("case1_logits_dequant_fp32"),
            model.forward(TensorAssert.LongTensor(QuantFixture.Case1InputIds)).Logits, 1e-4, "safetensors int8 copy");
    }

    [Fact]
    public void MissingScaleNamesFileAndKey()
    {
        string file = WriteEdited(4, s => s.Remove(DenseScale));
        var e = Assert.Throws<InvalidDataException>(() => ChatGlmForConditionalGeneration.FromPretrained(_dir));
        Assert.Contains(file, e.Message);
        Assert.Contains(DenseScale, e.Message);
    }

    [Fact]
    public void WrongWeightShapeNamesFileAndKey()
    {
        string file = WriteEdited(8, s => s[DenseWeight] = s[DenseWeight].narrow(1, 0, 60).contiguous());
        var e = Assert.Throws<InvalidDataException>(() => ChatGlmForConditionalGeneration.FromPretrained(_dir));
        Assert.Contains(file, e.Message);
        Assert.Contains(DenseWeight, e.Message);
        Assert.Contains("[64, 60]", e.Message);
    }

    [Fact]
    public void Int4WeightsUnderAnInt8ConfigAreRecognised()
    {
        // int4 tensors with the int8 fixture's config (quantization_bit 8).
        File.Copy(Path.Combine(QuantFixture.QuantizedDir(8), "config.json"), Path.Combine(_dir, "config.json"));
        File.Copy(Path.Combine(QuantFixture.QuantizedDir(4), "pytorch_model.bin"), Path.Combine(_dir, "pytorch_model.bin"));
        var e = Assert.Throws<InvalidDataException>(() => ChatGlmForConditionalGeneration.FromPretrained(_dir));
        Assert.Contains("pytorch_model.bin", e.Message);
        Assert.Contains("transformer.layers.0.attention.query_key_value.weight", e.Message);
        Assert.Contains("4-bit layout", e.Message);
    }

    [Fact]
    public void WrongScaleShapeOrDTypeNamesFileAndKey()
    {
        string file = WriteEdited(8, s => s[DenseScale] = s[DenseScale].narrow(0, 0, 32).contiguous());
        var e = Assert.Throws<InvalidDataException>(() => ChatGlmForConditionalGeneration.FromPretrained(_dir));
        Assert.Contains(file, e.Message);
        Assert.Contains(DenseScale, e.Message);

        Directory.Delete(_dir, true);
        Directory.CreateDirectory(_dir);
        file = WriteEdited(8, s => s[DenseScale] = s[DenseScale].to(ScalarType.Int8));
        e = Assert.Throws<InvalidDataException>(() => ChatGlmForConditionalGeneration.FromPretrained(_dir));
        Assert.Contains(file, e.Message);
        Assert.Contains(DenseScale, e.Message);
    }

    [Fact]
    public void FloatWeightWithAScaleIsContradictory()
    {
        string file = WriteEdited(8, s => s[DenseWeight] = s[DenseWeight].to(ScalarType.Float32));
        var e = Assert.Throws<InvalidDataException>(() => ChatGlmForConditionalGeneration.FromPretrained(_dir));
        Assert.Contains(file, e.Message);
        Assert.Contains(DenseWeight, e.Message);
    }

    [Fact]
    public void QuantizedCheckpointWithoutQuantizationBitReportsTheScales()
    {
        // A quantized state dict next to a float config: the scales are unexpected and named.
        File.Copy(Paths.Fixture("chatglm-tiny", "config.json"), Path.Combine(_dir, "config.json"));
        File.Copy(Path.Combine(QuantFixture.QuantizedDir(8), "pytorch_model.bin"), Path.Combine(_dir, "pytorch_model.bin"));
        var e = Assert.Throws<InvalidDataException>(() => ChatGlmForConditionalGeneration.FromPretrained(_dir));
        Assert.Contains("weight_scale", e.Message);
    }
}
