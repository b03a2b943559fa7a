namespace ChatGlmLab.Tokenization;

/// <summary>One vocabulary entry of a SentencePiece model.</summary>
public readonly record struct SentencePieceEntry(string Piece, float Score, SentencePieceType Type);
