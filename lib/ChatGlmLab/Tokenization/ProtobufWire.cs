namespace ChatGlmLab.Tokenization;

/// <summary>
/// The few pieces of the protobuf wire format that a SentencePiece ModelProto uses
/// (varints, 32-bit floats, length-delimited strings/bytes/messages). Written by hand so
/// the kit reads and writes .model files without generated code; see
/// https://protobuf.dev/programming-guides/encoding/ for the format.
/// </summary>
internal static class ProtobufWire
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int Fixed32 = 5;
}
