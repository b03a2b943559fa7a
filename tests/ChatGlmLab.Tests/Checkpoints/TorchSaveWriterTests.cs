using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using ChatGlmLab.Checkpoints;
using ChatGlmLab.Tests.Infrastructure;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Checkpoints;

public class TorchSaveWriterTests : IDisposable
{
    private readonly TempFiles _files = new();
    public void Dispose() => _files.Dispose();

    private static Dictionary<string, Tensor> Sample() => new()
    {
        ["a.float"] = randn(3, 5),
        ["b.half"] = randn(7).to(ScalarType.Float16),
        ["c.bf16"] = randn(2, 2, 3).to(ScalarType.BFloat16),
        ["d.int8"] = randint(-128, 127, [4, 6]).to(ScalarType.Int8),
        ["e.long"] = arange(5L),
        ["f.bool"] = tensor(new[] { true, false, true }),
        ["g.transposed"] = randn(4, 3).t(),     // not contiguous: written as its contiguous copy
        ["h.empty"] = zeros(0, 4),
        ["i.scalar"] = tensor(2.5f),
        ["层.名字"] = ones(2),                    // non-ASCII key
    };

    [Fact]
    public void WhatItWritesReadsBackWithTheSameNamesShapesDtypesAndValues()
    {
        string path = _files.PathOf("pytorch_model.bin");
        var saved = Sample();
        CheckpointWriter.SaveTorch(path, saved);
        using var file = new TorchZipCheckpoint(path);
        Assert.Equal(saved.Keys, file.Tensors.Select(t => t.Name));
        foreach (var t in file.Tensors)
        {
            using var read = t.Read();
            var expected = saved[t.Name];
            Assert.Equal(expected.dtype, read.dtype);
            Assert.Equal(expected.shape, read.shape);
            Assert.True(expected.contiguous().equal(read).all().item<bool>(), t.Name);
        }
    }

    [Fact]
    public void RecordsAreStoredUncompressedUnderTheFileStemAndTheirDataIsAlignedTo64Bytes()
    {
        string path = _files.PathOf("adapter_model.bin");
        CheckpointWriter.SaveTorch(path, Sample());
        using (var zip = ZipFile.OpenRead(path))
        {
            Assert.Equal(["adapter_model/data.pkl", .. Enumerable.Range(0, 10).Select(i => $"adapter_model/data/{i}"), "adapter_model/version"],
                zip.Entries.Select(e => e.FullName));
            Assert.All(zip.Entries, e => Assert.Equal(e.Length, e.CompressedLength));
            using var version = new StreamReader(zip.GetEntry("adapter_model/version")!.Open());
            Assert.Equal("3\n", version.ReadToEnd());
        }
        // Walk the local headers: method 0 (stored), data offset a multiple of 64 (what lets torch.load mmap the records).
        var bytes = File.ReadAllBytes(path);
        int records = 0;
        for (long o = 0; BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)o)) == 0x04034b50; records++)
        {
            var h = bytes.AsSpan((int)o);
            Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(h[8..]));
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(h[26..]), extraLength = BinaryPrimitives.ReadUInt16LittleEndian(h[28..]);
            string name = Encoding.UTF8.GetString(h.Slice(30, nameLength));
            long dataStart = o + 30 + nameLength + extraLength;
            Assert.True(dataStart % 64 == 0, $"{name}: data at {dataStart}");
            long size = BinaryPrimitives.ReadInt64LittleEndian(h[(30 + nameLength + 4)..]);   // the zip64 extra field's size
            o = dataStart + size;
        }
        Assert.Equal(12, records);
    }

    [Theory]
    [InlineData(ScalarType.Float16, ScalarType.Float32)]
    [InlineData(ScalarType.Float16, ScalarType.BFloat16)]
    [InlineData(ScalarType.Float32, ScalarType.Float32)]
    public void StreamingIntoATargetConvertsSliceBySliceToTheSameValuesAsReadThenCopy(ScalarType stored, ScalarType target)
    {
        string path = _files.PathOf("s.bin");
        var saved = new Dictionary<string, Tensor> { ["w"] = randn(37, 11).to(stored), ["tied"] = zeros(2) };
        CheckpointWriter.SaveTorch(path, saved);
        using var file = new TorchZipCheckpoint(path);
        var w = file.Tensors.Single(t => t.Name == "w");
        using var streamed = empty([37, 11], target);
        Assert.True(w.ReadInto!(streamed));
        using var expected = saved["w"].to(target);
        Assert.True(expected.equal(streamed).all().item<bool>());
        // A second read of the same storage cannot stream (it was consumed): the caller falls back to Read.
        using var again = empty([37, 11], target);
        Assert.False(w.ReadInto!(again));

        // Slices smaller than the tensor (7 elements of 407) give the same values.
        using var stream = new MemoryStream();
        saved["w"].WriteBytesToStream(stream);
        stream.Position = 0;
        using var sliced = empty([37, 11], target);
        TensorStreams.FillConverting(sliced, stored, stream, "memory", sliceElements: 7);
        Assert.True(expected.equal(sliced).all().item<bool>());
    }

    [Fact]
    public void AnUnsupportedDtypeIsRefusedByName()
    {
        var e = Assert.Throws<NotSupportedException>(() =>
            CheckpointWriter.SaveTorch(_files.PathOf("x.bin"), new Dictionary<string, Tensor> { ["c"] = zeros(2, ScalarType.ComplexFloat32) }));
        Assert.Contains("ComplexFloat32", e.Message);
        Assert.False(File.Exists(_files.PathOf("x.bin")));
    }
}
