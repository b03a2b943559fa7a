namespace ChatGlmLab.Tokenization;

/// <summary>What <see cref="SentencePieceModelBuilder.Build"/> wrote, with the ids a model config.json needs.</summary>
public sealed record BuiltTokenizer(
    string Directory, string ModelPath, string ConfigPath, int VocabSize,
    int UnkId, int PadId, int MaskId, int GMaskId, int BosId, int EosId,
    int CharacterPieces, int MultiCharacterPieces);
