namespace ChatGlmLab.Tokenization;

/// <summary>Piece types of sentencepiece_model.proto (<c>ModelProto.SentencePiece.Type</c>), same numbers.</summary>
public enum SentencePieceType
{
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}
