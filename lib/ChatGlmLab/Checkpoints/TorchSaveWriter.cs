using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using static TorchSharp.torch;

namespace ChatGlmLab.Checkpoints;

/// <summary>
/// Writes a state dict in the file layout of PyTorch's <c>torch.save</c> (the zip format since 1.6): a zip archive
/// whose records are stored uncompressed with their data aligned to 64 bytes, as PyTorch's stream writer does —
/// <c>{name}/data.pkl</c> (a protocol-2 pickle of an OrderedDict of <c>torch._utils._rebuild_tensor_v2</c> calls over
/// persistent storage ids), one <c>{name}/data/{i}</c> record per tensor, and <c>{name}/version</c> = 3. Records are
/// uncompressed so a reader can copy each tensor's bytes straight into place (and torch.load mmap them); tensors are
/// streamed from memory to disk one at a time. Zip64 records are written where a size or offset needs them.
/// </summary>
public static class TorchSaveWriter
{
    private const int Alignment = 64;

    /// <param name="stream">Where the archive goes: writable and seekable (each record's header is patched after its data),
    /// normally empty, since record offsets are its positions. Left open.</param>
    /// <param name="archiveName">The records' folder: torch.save uses the file name without its extension.</param>
    /// <param name="stateDict">The tensors by state-dict key, written in its order; on any device, copied to contiguous CPU
    /// memory for the write when they are not already (float32/16/64, bfloat16, int8–int64, uint8 or bool).</param>
    public static void Write(Stream stream, string archiveName, IReadOnlyDictionary<string, Tensor> stateDict)
    {
        var entries = new List<ZipEntry>();
        var tensors = stateDict.Select(kv => (kv.Key, Tensor: kv.Value.detach().cpu().contiguous())).ToList();
        try
        {
            WriteRecord(stream, entries, $"{archiveName}/data.pkl", s => s.Write(Pickle(tensors)));
            for (int i = 0; i < tensors.Count; i++)
                WriteRecord(stream, entries, $"{archiveName}/data/{i}", s => tensors[i].Tensor.WriteBytesToStream(s, 1 << 20));
            WriteRecord(stream, entries, $"{archiveName}/version", s => s.Write("3\n"u8));
            WriteCentralDirectory(stream, entries);
        }
        finally
        {
            foreach (var (key, t) in tensors)
                if (!ReferenceEquals(t, stateDict[key])) t.Dispose();
        }
    }

    // ---- data.pkl: the pickle torch.save writes for a state dict --------------------------------------------------

    private static byte[] Pickle(IReadOnlyList<(string Key, Tensor Tensor)> tensors)
    {
        var p = new MemoryStream();
        p.Write([0x80, 2]);                                       // PROTO 2
        Global(p, "collections", "OrderedDict");
        p.Write([(byte)')', (byte)'R']);                          // EMPTY_TUPLE, REDUCE: OrderedDict()
        p.WriteByte((byte)'(');                                   // MARK
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i].Tensor;
            Unicode(p, tensors[i].Key);
            Global(p, "torch._utils", "_rebuild_tensor_v2");
            p.WriteByte((byte)'(');                               // MARK: the arguments
            p.WriteByte((byte)'(');                               // MARK: the persistent id ('storage', type, key, location, numel)
            Unicode(p, "storage");
            Global(p, "torch", StorageType(t.dtype));
            Unicode(p, i.ToString());
            Unicode(p, "cpu");
            Int(p, t.numel());
            p.Write([(byte)'t', (byte)'Q']);                      // TUPLE, BINPERSID
            Int(p, 0);                                            // storage offset
            LongTuple(p, t.shape);
            LongTuple(p, t.stride());
            p.WriteByte(0x89);                                    // NEWFALSE: requires_grad
            Global(p, "collections", "OrderedDict");
            p.Write([(byte)')', (byte)'R']);                      // backward hooks: OrderedDict()
            p.Write([(byte)'t', (byte)'R']);                      // TUPLE, REDUCE
        }
        p.Write([(byte)'u', (byte)'.']);                          // SETITEMS, STOP
        return p.ToArray();
    }

    private static void Global(Stream p, string module, string name)
    {
        p.WriteByte((byte)'c');
        p.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
    }

    private static void Unicode(Stream p, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        p.WriteByte((byte)'X');                                   // BINUNICODE
        Span<byte> n = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(n, bytes.Length);
        p.Write(n);
        p.Write(bytes);
    }

    private static void Int(Stream p, long v)
    {
        Span<byte> b = stackalloc byte[9];
        if (v is >= int.MinValue and <= int.MaxValue)
        {
            p.WriteByte((byte)'J');                               // BININT: 4-byte signed
            BinaryPrimitives.WriteInt32LittleEndian(b, (int)v);
            p.Write(b[..4]);
        }
        else
        {
            p.Write([0x8a, 8]);                                   // LONG1 with 8 bytes, two's complement
            BinaryPrimitives.WriteInt64LittleEndian(b, v);
            p.Write(b[..8]);
        }
    }

    private static void LongTuple(Stream p, long[] values)
    {
        p.WriteByte((byte)'(');
        foreach (var v in values) Int(p, v);
        p.WriteByte((byte)'t');
    }

    private static string StorageType(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "FloatStorage",
        ScalarType.Float16 => "HalfStorage",
        ScalarType.BFloat16 => "BFloat16Storage",
        ScalarType.Float64 => "DoubleStorage",
        ScalarType.Int64 => "LongStorage",
        ScalarType.Int32 => "IntStorage",
        ScalarType.Int16 => "ShortStorage",
        ScalarType.Int8 => "CharStorage",
        ScalarType.Byte => "ByteStorage",
        ScalarType.Bool => "BoolStorage",
        _ => throw new NotSupportedException($"torch.save has no storage type for {dtype}"),
    };

    // ---- the zip container ------------------------------------------------------------------------------------

    private sealed record ZipEntry(byte[] Name, long Offset, long Size, uint Crc);

    /// <summary>
    /// A stored record: local header (its data aligned to 64 bytes by a padding extra field, id 0x4246 "FB" as PyTorch
    /// writes it), then the data streamed through a CRC-32; the header's CRC and sizes are patched once the data is written.
    /// </summary>
    private static void WriteRecord(Stream stream, List<ZipEntry> entries, string name, Action<Stream> writeData)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        long offset = stream.Position;
        const int fixedHeader = 30, zip64Extra = 20;
        long dataStart = offset + fixedHeader + nameBytes.Length + zip64Extra + 4;
        int padding = (int)((Alignment - dataStart % Alignment) % Alignment);
        var header = new byte[fixedHeader + nameBytes.Length + zip64Extra + 4 + padding];
        var h = header.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 45);                 // version needed: zip64
        BinaryPrimitives.WriteUInt32LittleEndian(h[18..], uint.MaxValue);     // sizes in the zip64 extra field
        BinaryPrimitives.WriteUInt32LittleEndian(h[22..], uint.MaxValue);
        BinaryPrimitives.WriteUInt16LittleEndian(h[26..], (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(h[28..], (ushort)(zip64Extra + 4 + padding));
        BinaryPrimitives.WriteUInt16LittleEndian(h[8..], 0);                  // method: stored
        BinaryPrimitives.WriteUInt16LittleEndian(h[12..], 0x21);              // date: 1980-01-01 (reproducible files)
        nameBytes.CopyTo(h[fixedHeader..]);
        var extra = h[(fixedHeader + nameBytes.Length)..];
        BinaryPrimitives.WriteUInt16LittleEndian(extra, 0x0001);              // zip64: uncompressed, compressed size
        BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(extra[zip64Extra..], 0x4246); // "FB" padding
        BinaryPrimitives.WriteUInt16LittleEndian(extra[(zip64Extra + 2)..], (ushort)padding);
        stream.Write(header);

        var crc = new Crc32();
        using (var hashing = new HashingStream(stream, crc)) writeData(hashing);
        long size = stream.Position - offset - header.Length;
        uint crcValue = crc.GetCurrentHashAsUInt32();

        long end = stream.Position;
        stream.Position = offset + 14;
        Span<byte> patch = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(patch, crcValue);
        stream.Write(patch);
        stream.Position = offset + fixedHeader + nameBytes.Length + 4;
        Span<byte> sizes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(sizes, size);
        BinaryPrimitives.WriteInt64LittleEndian(sizes[8..], size);
        stream.Write(sizes);
        stream.Position = end;
        entries.Add(new ZipEntry(nameBytes, offset, size, crcValue));
    }

    private static void WriteCentralDirectory(Stream stream, List<ZipEntry> entries)
    {
        long start = stream.Position;
        foreach (var e in entries)
        {
            var c = new byte[46 + e.Name.Length + 28];
            var s = c.AsSpan();
            BinaryPrimitives.WriteUInt32LittleEndian(s, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(s[4..], 45);
            BinaryPrimitives.WriteUInt16LittleEndian(s[6..], 45);
            BinaryPrimitives.WriteUInt16LittleEndian(s[14..], 0x21);
            BinaryPrimitives.WriteUInt32LittleEndian(s[16..], e.Crc);
            BinaryPrimitives.WriteUInt32LittleEndian(s[20..], uint.MaxValue);
            BinaryPrimitives.WriteUInt32LittleEndian(s[24..], uint.MaxValue);
            BinaryPrimitives.WriteUInt16LittleEndian(s[28..], (ushort)e.Name.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(s[30..], 28);
            BinaryPrimitives.WriteUInt32LittleEndian(s[42..], uint.MaxValue);
            e.Name.CopyTo(s[46..]);
            var extra = s[(46 + e.Name.Length)..];
            BinaryPrimitives.WriteUInt16LittleEndian(extra, 0x0001);
            BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], 24);
            BinaryPrimitives.WriteInt64LittleEndian(extra[4..], e.Size);
            BinaryPrimitives.WriteInt64LittleEndian(extra[12..], e.Size);
            BinaryPrimitives.WriteInt64LittleEndian(extra[20..], e.Offset);
            stream.Write(c);
        }
        long size = stream.Position - start, zip64End = stream.Position;

        var end = new byte[56 + 20 + 22];
        var z = end.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(z, 0x06064b50);              // zip64 end of central directory
        BinaryPrimitives.WriteInt64LittleEndian(z[4..], 44);
        BinaryPrimitives.WriteUInt16LittleEndian(z[12..], 45);
        BinaryPrimitives.WriteUInt16LittleEndian(z[14..], 45);
        BinaryPrimitives.WriteInt64LittleEndian(z[24..], entries.Count);
        BinaryPrimitives.WriteInt64LittleEndian(z[32..], entries.Count);
        BinaryPrimitives.WriteInt64LittleEndian(z[40..], size);
        BinaryPrimitives.WriteInt64LittleEndian(z[48..], start);
        var locator = z[56..];
        BinaryPrimitives.WriteUInt32LittleEndian(locator, 0x07064b50);
        BinaryPrimitives.WriteInt64LittleEndian(locator[8..], zip64End);
        BinaryPrimitives.WriteUInt32LittleEndian(locator[16..], 1);
        var classic = z[76..];
        BinaryPrimitives.WriteUInt32LittleEndian(classic, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(classic[8..], ushort.MaxValue);
        BinaryPrimitives.WriteUInt16LittleEndian(classic[10..], ushort.MaxValue);
        BinaryPrimitives.WriteUInt32LittleEndian(classic[12..], uint.MaxValue);
        BinaryPrimitives.WriteUInt32LittleEndian(classic[16..], uint.MaxValue);
        stream.Write(end);
    }

    /// <summary>Passes writes through to the file and into a CRC-32.</summary>
    private sealed class HashingStream(Stream inner, Crc32 crc) : Stream
    {
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            crc.Append(buffer);
            inner.Write(buffer);
        }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
