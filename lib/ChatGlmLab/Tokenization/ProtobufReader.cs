using System.Text;

namespace ChatGlmLab.Tokenization;

/// <summary>Reads protobuf fields one by one; throws <see cref="InvalidDataException"/> on malformed input.</summary>
internal ref struct ProtobufReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public ProtobufReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public bool AtEnd => _position >= _data.Length;

    /// <summary>Reads the next field key; returns false at the end of the message.</summary>
    public bool TryReadKey(out int fieldNumber, out int wireType)
    {
        fieldNumber = 0;
        wireType = 0;
        if (AtEnd) return false;
        ulong key = ReadVarint();
        fieldNumber = (int)(key >> 3);
        wireType = (int)(key & 7);
        if (fieldNumber <= 0) throw new InvalidDataException($"invalid protobuf field number {fieldNumber} at byte {_position}");
        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length) throw new InvalidDataException("truncated protobuf varint");
            byte b = _data[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new InvalidDataException("protobuf varint longer than 10 bytes");
    }

    public float ReadFloat()
    {
        if (_position + 4 > _data.Length) throw new InvalidDataException("truncated protobuf fixed32");
        float value = BitConverter.Int32BitsToSingle(System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(_data.Slice(_position, 4)));
        _position += 4;
        return value;
    }

    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_data.Length - _position)) throw new InvalidDataException($"protobuf length {length} runs past the end of the data");
        var slice = _data.Slice(_position, (int)length);
        _position += (int)length;
        return slice;
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadLengthDelimited());

    public void SkipField(int wireType)
    {
        switch (wireType)
        {
            case ProtobufWire.Varint: ReadVarint(); break;
            case ProtobufWire.Fixed64: Advance(8); break;
            case ProtobufWire.LengthDelimited: ReadLengthDelimited(); break;
            case ProtobufWire.Fixed32: Advance(4); break;
            default: throw new InvalidDataException($"unsupported protobuf wire type {wireType}");
        }
    }

    private void Advance(int count)
    {
        if (_position + count > _data.Length) throw new InvalidDataException("truncated protobuf field");
        _position += count;
    }
}
