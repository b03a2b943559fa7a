namespace ChatGlmLab.Tokenization;

/// <summary>Settings of <see cref="SentencePieceModelBuilder"/>.</summary>
public sealed record SentencePieceBuilderOptions
{
    /// <summary>Every character seen at least this often (after NFKC) becomes a piece; rarer ones use byte fallback.</summary>
    public int MinCharacterFrequency { get; init; } = 2;

    /// <summary>At most this many multi-character pieces are kept (the most useful ones, see the builder).</summary>
    public int MultiCharacterPieces { get; init; } = 4000;

    /// <summary>A multi-character candidate must occur at least this often.</summary>
    public int MinPieceFrequency { get; init; } = 5;

    /// <summary>Longest multi-character piece, in characters (not counting the leading '▁').</summary>
    public int MaxPieceLength { get; init; } = 6;

    /// <summary>
    /// A SentencePiece model whose normalizer (name, precompiled charsmap, whitespace flags) the built model copies,
    /// normally ChatGLM-6B's ice_text.model (nmt_nfkc). Null: identity normalization (no charsmap; full-width
    /// forms are then kept as they are).
    /// </summary>
    public string? NormalizerSourceModel { get; init; }

    /// <summary>The model file name written in the output directory (and named in its tokenizer_config.json).</summary>
    public string ModelFileName { get; init; } = TokenizerConfig.DefaultVocabFile;
}
