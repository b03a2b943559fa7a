using System.Text;

namespace ChatGlmLab.Tokenization;

/// <summary>Writes protobuf fields in the order they are called (callers write fields in field-number order, as protoc does).</summary>
internal sealed class ProtobufWriter
{
    private readonly MemoryStream _stream = new();

    public byte[] ToArray() => _stream.ToArray();

    public void WriteVarintField(int fieldNumber, ulong value)
    {
        WriteKey(fieldNumber, ProtobufWire.Varint);
        WriteVarint(value);
    }

    public void WriteInt32Field(int fieldNumber, int value) =>
        WriteVarintField(fieldNumber, value < 0 ? unchecked((ulong)(long)value) : (ulong)value); // negative int32 = 10-byte varint, like protoc

    public void WriteBoolField(int fieldNumber, bool value) => WriteVarintField(fieldNumber, value ? 1UL : 0UL);

    public void WriteFloatField(int fieldNumber, float value)
    {
        WriteKey(fieldNumber, ProtobufWire.Fixed32);
        Span<byte> buffer = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(buffer, BitConverter.SingleToInt32Bits(value));
        _stream.Write(buffer);
    }

    public void WriteBytesField(int fieldNumber, ReadOnlySpan<byte> bytes)
    {
        WriteKey(fieldNumber, ProtobufWire.LengthDelimited);
        WriteVarint((ulong)bytes.Length);
        _stream.Write(bytes);
    }

    public void WriteStringField(int fieldNumber, string value) => WriteBytesField(fieldNumber, Encoding.UTF8.GetBytes(value));

    private void WriteKey(int fieldNumber, int wireType) => WriteVarint(((ulong)fieldNumber << 3) | (uint)wireType);

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _stream.WriteByte((byte)value);
    }
}
