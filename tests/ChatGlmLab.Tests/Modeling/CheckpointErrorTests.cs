using System.IO.Compression;
using System.Text;
using ChatGlmLab.Checkpoints;
using ChatGlmLab.Modeling;
using ChatGlmLab.Tests.Infrastructure;
using ChatGlmLab.Tests.Tokenization;

namespace ChatGlmLab.Tests.Modeling;

/// <summary>Bad checkpoints fail with errors that name the file and the keys.</summary>
public sealed class CheckpointErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatglmlab-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string CopyFixture(string folder, params string[] files)
    {
        foreach (var f in files) File.Copy(Paths.Fixture(folder, f), Path.Combine(_dir, f));
        return _dir;
    }

    [Fact]
    public void MissingShardKeysAreListed()
    {
        CopyFixture("chatglm-tiny-sharded", "config.json", "pytorch_model-00001-of-00002.bin");
        // An index that only maps the first shard: the keys of the second are missing.
        var index = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Paths.Fixture("chatglm-tiny-sharded", "pytorch_model.bin.index.json")));
        var firstShardKeys = index.RootElement.GetProperty("weight_map").EnumerateObject()
            .Where(p => p.Value.GetString() == "pytorch_model-00001-of-00002.bin").Select(p => p.Name).ToList();
        var secondShardKeys = index.RootElement.GetProperty("weight_map").EnumerateObject()
            .Where(p => p.Value.GetString() != "pytorch_model-00001-of-00002.bin" && !p.Name.EndsWith("inv_freq")).Select(p => p.Name).ToList();
        File.WriteAllText(Path.Combine(_dir, "pytorch_model.bin.index.json"),
            "{\"weight_map\": {" + string.Join(",", firstShardKeys.Select(k => $"\"{k}\": \"pytorch_model-00001-of-00002.bin\"")) + "}}");

        var e = Assert.Throws<InvalidDataException>(() => ChatGlmForConditionalGeneration.FromPretrained(_dir));
        Assert.Contains("missing keys", e.Message);
        Assert.NotEmpty(secondShardKeys);
        Assert.Contains(secondShardKeys[0], e.Message);
    }

    [Fact]
    public void ShardListedInIndexButAbsentIsNamed()
    {
        CopyFixture("chatglm-tiny-sharded", "config.json", "pytorch_model.bin.index.json", "pytorch_model-00001-of-00002.bin");
        var e = Assert.Throws<FileNotFoundException>(() => ChatGlmForConditionalGeneration.FromPretrained(_dir));
        Assert.Contains("pytorch_model-00002-of-00002.bin", e.Message);
    }

    [Fact]
    public void UnexpectedKeysAreListed()
    {
        CopyFixture("chatglm-tiny", "pytorch_model.bin");
        var config = ChatGlmConfig.FromPretrained(Paths.Fixture("chatglm-tiny"));
        config.NumLayers = 1;
        config.Save(Path.Combine(_dir, "config.json"));
        var e = Assert.Throws<InvalidDataException>(() => ChatGlmForConditionalGeneration.FromPretrained(_dir));
        Assert.Contains("unexpected keys", e.Message);
        Assert.Contains("transformer.layers.1.attention.query_key_value.weight", e.Message);
    }

    [Fact]
    public void ShapeMismatchNamesKeyAndFile()
    {
        CopyFixture("chatglm-tiny", "pytorch_model.bin");
        var config = ChatGlmConfig.FromPretrained(Paths.Fixture("chatglm-tiny"));
        config.InnerHiddenSize = 128;
        config.Save(Path.Combine(_dir, "config.json"));
        var e = Assert.Throws<InvalidDataException>(() => ChatGlmForConditionalGeneration.FromPretrained(_dir));
        Assert.Contains("dense_h_to_4h.weight", e.Message);
        Assert.Contains("pytorch_model.bin", e.Message);
    }

    [Theory]
    [InlineData("chatglm-tiny", "pytorch_model.bin")]
    [InlineData("chatglm-tiny-safetensors", "model.safetensors")]
    public void TruncatedFileIsReportedWithItsPath(string folder, string file)
    {
        CopyFixture(folder, "config.json");
        var bytes = File.ReadAllBytes(Paths.Fixture(folder, file));
        File.WriteAllBytes(Path.Combine(_dir, file), bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => ChatGlmForConditionalGeneration.FromPretrained(_dir));
        Assert.Contains(Path.Combine(_dir, file), e.Message);
    }

    [Fact]
    public void AFileThatIsNotACheckpointIsReported()
    {
        CopyFixture("chatglm-tiny", "config.json");
        // Not a zip at all.
        File.WriteAllText(Path.Combine(_dir, "pytorch_model.bin"), "this is not a checkpoint");
        var e = Assert.Throws<InvalidDataException>(() => ChatGlmForConditionalGeneration.FromPretrained(_dir));
        Assert.Contains("pytorch_model.bin", e.Message);
    }

    [Fact]
    public void NoWeightsInDirectoryListsTheLayoutsTried()
    {
        CopyFixture("chatglm-tiny", "config.json");
        var e = Assert.Throws<FileNotFoundException>(() => ChatGlmForConditionalGeneration.FromPretrained(_dir));
        Assert.Contains("pytorch_model.bin", e.Message);
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void PickleCallingOsSystemIsRefusedBeforeAnythingRuns()
    {
        // A torch.save-shaped zip whose data.pkl is: os.system("touch <marker>") — what a malicious .bin does.
        string marker = Path.Combine(_dir, "pwned");
        var pickle = new MemoryStream();
        pickle.Write([0x80, 0x02]);                                         // PROTO 2
        pickle.Write(Encoding.ASCII.GetBytes("cos\nsystem\n"));             // GLOBAL os.system
        var arg = Encoding.UTF8.GetBytes("touch " + marker);
        pickle.WriteByte((byte)'X'); pickle.Write(BitConverter.GetBytes(arg.Length)); pickle.Write(arg);
        pickle.Write([0x85, (byte)'R', (byte)'.']);                          // TUPLE1, REDUCE, STOP
        string path = Path.Combine(_dir, "pytorch_model.bin");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var s = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open())
            s.Write(pickle.ToArray());
        CopyFixture("chatglm-tiny", "config.json");

        var e = Assert.Throws<UnsafeCheckpointException>(() => ChatGlmForConditionalGeneration.FromPretrained(_dir));
        Assert.Contains("os.system", e.Message);
        Assert.Contains(path, e.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void TiedAndOffsetStoragesAreReadLikeTorch()
    {
        // Two keys viewing one storage, one of them at an offset and transposed (non-contiguous).
        var storage = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();
        string path = Path.Combine(_dir, "tied.bin");
        WriteTorchZip(path, storage, [
            ("a", 0, [3, 4], [4, 1]),       // the whole storage as 3x4
            ("b", 2, [2, 3], [1, 4]),       // offset 2, transposed view
        ]);
        var sd = CheckpointLoader.ReadStateDict(path);
        Assert.Equal(storage, sd["a"].data<float>().ToArray());
        // b[i, j] = storage[2 + i + 4 j]
        Assert.Equal(new float[] { 2, 6, 10, 3, 7, 11 }, sd["b"].data<float>().ToArray());
    }

    /// <summary>Writes a minimal zip-format torch.save of float tensors sharing storage "0".</summary>
    internal static void WriteTorchZip(string path, float[] storage, (string Name, int Offset, int[] Shape, int[] Stride)[] tensors)
    {
        var p = new MemoryStream();
        void Op(params byte[] b) => p.Write(b);
        void Str(string s) { var b = Encoding.UTF8.GetBytes(s); Op((byte)'X'); p.Write(BitConverter.GetBytes(b.Length)); p.Write(b); }
        void Int(int v) { Op((byte)'J'); p.Write(BitConverter.GetBytes(v)); }
        void Tuple(int[] items) { Op((byte)'('); foreach (var i in items) Int(i); Op((byte)'t'); }
        Op(0x80, 0x02);
        Op((byte)'}');                                                       // EMPTY_DICT
        Op((byte)'(');                                                       // MARK for SETITEMS
        foreach (var (name, offset, shape, stride) in tensors)
        {
            Str(name);
            p.Write(Encoding.ASCII.GetBytes("ctorch._utils\n_rebuild_tensor_v2\n"));
            Op((byte)'(');                                                   // args tuple
            Op((byte)'(');                                                   // persistent id tuple
            Str("storage"); p.Write(Encoding.ASCII.GetBytes("ctorch\nFloatStorage\n")); Str("0"); Str("cpu"); Int(storage.Length);
            Op((byte)'t', (byte)'Q');                                        // TUPLE, BINPERSID
            Int(offset); Tuple(shape); Tuple(stride); Op(0x89);              // requires_grad False
            p.Write(Encoding.ASCII.GetBytes("ccollections\nOrderedDict\n")); Op((byte)')', (byte)'R'); // backward hooks
            Op((byte)'t', (byte)'R');                                        // TUPLE, REDUCE
        }
        Op((byte)'u', (byte)'.');                                            // SETITEMS, STOP
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using (var s = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open()) s.Write(p.ToArray());
        using (var s = zip.CreateEntry("archive/data/0", CompressionLevel.NoCompression).Open())
            foreach (var f in storage) s.Write(BitConverter.GetBytes(f));
    }
}
