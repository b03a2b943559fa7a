using ChatGlmLab.Quantization;
using static TorchSharp.torch;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Quantization;

/// <summary>Scales, int8 levels and the int4 packing of case7's example matrix, exact (README: "exact").</summary>
public class QuantizationFormatTests
{
    private static Tensor Matrix(string source)
    {
        var fp32 = QuantFixture.FloatTensor(QuantFixture.Case7.GetProperty("matrix_fp32"));
        return source == "from_fp16" ? fp32.to(ScalarType.Float16) : fp32;
    }

    [Theory]
    [InlineData("from_fp32", 8)]
    [InlineData("from_fp32", 4)]
    [InlineData("from_fp16", 8)]
    [InlineData("from_fp16", 4)]
    public void ScalesAndStoredWeightsAreExact(string source, int bits)
    {
        using var scope = NewDisposeScope();
        var expected = QuantFixture.Case7.GetProperty(source).GetProperty($"int{bits}");
        var q = SymmetricRowQuantization.Quantize(Matrix(source), bits);
        QuantFixture.EqualHalves(expected.GetProperty("weight_scale"), q.Scale, $"{source} int{bits} weight_scale");
        QuantFixture.EqualInts(expected.GetProperty("weight"), q.Weight, $"{source} int{bits} weight");
    }

    [Theory]
    [InlineData("from_fp32")]
    [InlineData("from_fp16")]
    public void Int4LevelsBeforePackingAndPackedRowZeroAreExact(string source)
    {
        using var scope = NewDisposeScope();
        var expected = QuantFixture.Case7.GetProperty(source).GetProperty("int4");
        var matrix = Matrix(source);
        var levels = SymmetricRowQuantization.Levels(matrix, SymmetricRowQuantization.RowScales(matrix, 4));
        QuantFixture.EqualInts(expected.GetProperty("weight_unpacked"), levels, $"{source} int4 levels");

        var packed = Int4Packing.Pack(levels);
        var row0 = packed[0].data<sbyte>().ToArray().Select(b => ((byte)b).ToString("x2"));
        Assert.Equal(expected.GetProperty("weight_packed_hex_row0").GetString(), string.Concat(row0));

        // Unpacking sign-extends both nibbles back to the levels.
        QuantFixture.Identical(levels, Int4Packing.Unpack(packed), "unpack(pack(levels))");
    }

    [Fact]
    public void PackingPutsTheEvenColumnInTheHighNibbleForEveryValuePair()
    {
        using var scope = NewDisposeScope();
        // All 16 x 16 pairs of int4 values.
        var values = Enumerable.Range(-8, 16).SelectMany(hi => Enumerable.Range(-8, 16).SelectMany(lo => new[] { (sbyte)hi, (sbyte)lo })).ToArray();
        var levels = tensor(values, [1, values.Length]);
        var packed = Int4Packing.Pack(levels).data<sbyte>().ToArray();
        for (int j = 0; j < packed.Length; j++)
        {
            int hi = values[2 * j], lo = values[2 * j + 1];
            Assert.Equal((sbyte)((hi << 4) | (lo & 0x0F)), packed[j]);
        }
        QuantFixture.Identical(levels, Int4Packing.Unpack(tensor(packed, [1, packed.Length])), "round trip of all pairs");
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void DequantizationModesAreTheDocumentedProducts(int bits)
    {
        using var scope = NewDisposeScope();
        var expected = QuantFixture.Case7.GetProperty("from_fp32").GetProperty($"int{bits}");
        var levels = TensorAssert.LongTensor(expected.GetProperty(bits == 4 ? "weight_unpacked" : "weight")).to(ScalarType.Int8);
        var scale = QuantFixture.FloatTensor(expected.GetProperty("weight_scale")).to(ScalarType.Float16);
        var stored = TensorAssert.LongTensor(expected.GetProperty("weight")).to(ScalarType.Int8);

        var fp32 = Dequantization.Dequantize(stored, scale, bits, DequantizationMode.Float32, ScalarType.Float32);
        QuantFixture.Identical(levels.to(ScalarType.Float32) * scale.to(ScalarType.Float32).unsqueeze(1), fp32, "float32(q)*float32(scale)");

        var fp16 = Dequantization.Dequantize(stored, scale, bits, DequantizationMode.Float16, ScalarType.Float32);
        var fp16Expected = (levels.to(ScalarType.Float16) * scale.unsqueeze(1)).to(ScalarType.Float32);
        QuantFixture.Identical(fp16Expected, fp16, "float16(q)*float16(scale)");
        Assert.False(fp16.equal(fp32).all().item<bool>(), "the two modes should differ somewhere on this matrix");
    }

    [Fact]
    public void AnAllZeroRowQuantizesToZeros()
    {
        using var scope = NewDisposeScope();
        var w = zeros(3, 4);
        w[1] = tensor(new float[] { 1, -2, 3, -4 });
        var q = SymmetricRowQuantization.Quantize(w, 8);
        var got = q.Weight.to(ScalarType.Int64).data<long>().ToArray();
        Assert.Equal(new long[] { 0, 0, 0, 0 }, got[..4]);
        Assert.Equal(new long[] { 0, 0, 0, 0 }, got[8..]);
        Assert.Equal(-127, got[7]);
        Assert.Equal(0f, q.Scale[0].to(ScalarType.Float32).item<float>());
    }
}
