using Microsoft.ML.Tokenizers;

namespace ChatGlmLab.Tokenization;

/// <summary>
/// SentencePiece encoding (normalization with the model's precompiled charsmap, unigram Viterbi segmentation,
/// split digits, byte fallback) done by Microsoft.ML.Tokenizers' <see cref="SentencePieceTokenizer"/>, with
/// the library's measured defects on ChatGLM-style models worked around here (decoding: <see cref="SentencePieceDecoder"/>).
/// Verified against sentencepiece 0.1.97 (ids, after ChatGLM's preprocessing) on every fixture string, the 12,091
/// CLUENER train/dev texts, 3,000 random strings mixing whitespace, control, full-width, combining, emoji and
/// special-token fragments, and every code point U+0001..U+FFFF (every 7th above) between two letters.
/// <para>Microsoft.ML.Tokenizers defects with this kind of model (numbers used in the comments), all five present in 2.0.1 and
/// still in 3.0.0 (the tests' Tokenization/LibraryDefectTests shows each on the installed version):</para>
/// <list type="number">
/// <item>byte-fallback ids come out +255 (byte 0x00 gets the id of &lt;0xFF&gt;) — undone in <see cref="EncodeToIds"/>;</item>
/// <item><c>Decode</c> returns "" for every id list — decoding is <see cref="SentencePieceDecoder"/>;</item>
/// <item>the normalizer is not observable (<c>Normalizer.Normalize</c> does not apply the charsmap) — nothing here
/// needs it; <see cref="SentencePieceModelBuilder"/> counts candidates on .NET NFKC instead;</item>
/// <item>characters the charsmap maps to "" (nmt_nfkc: 30 ASCII/C1 control characters) are kept instead of removed,
/// and then come out as byte pieces — such text is normalized by <see cref="SentencePieceTextNormalizer"/> and only
/// segmented by the library;</item>
/// <item><c>EncodeToTokens</c> throws IndexOutOfRangeException whenever byte fallback happens — only
/// <c>EncodeToIds</c> is used, pieces come from the kit's own id → piece table.</item>
/// </list>
/// ChatGLM's registered special tokens are not passed to the library as <c>specialTokens</c> (each text segment
/// would then get its own '▁'); <see cref="SpecialTokenSplitter"/> cuts them out like transformers does.
/// </summary>
internal sealed class SentencePieceEncoder
{
    private readonly SentencePieceTokenizer _library;
    private readonly int _firstBytePieceId;
    private readonly int _libraryByteOffset;
    private readonly IReadOnlySet<int> _codePointsMappedToEmpty;
    private readonly SentencePieceTextNormalizer _normalizer;

    public SentencePieceEncoder(byte[] modelBytes, SentencePieceModel model, string sourceName)
    {
        if (model.ModelType != SentencePieceModel.UnigramModelType)
            throw new NotSupportedException($"'{sourceName}': only unigram SentencePiece models are supported (ChatGLM's is unigram); model_type is {model.ModelType}");

        using (var stream = new MemoryStream(modelBytes, writable: false))
        {
            try
            {
                _library = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidDataException($"'{sourceName}': Microsoft.ML.Tokenizers could not load the SentencePiece model: {e.Message}", e);
            }
        }

        // Workaround for library defect 1 (byte-fallback ids off by +255): the library only puts NORMAL,
        // USER_DEFINED and UNUSED pieces in its vocabulary, so it does not find "<0x00>" and uses the id of the
        // LAST byte piece as the id of byte 0x00. Byte b then comes out as lastBytePieceId + b. That is only
        // undoable when nothing else can have those ids, i.e. the 256 byte pieces are the last pieces of the
        // vocabulary in order (ChatGLM's layout, and the layout SentencePieceModelBuilder writes).
        if (model.ByteFallback)
        {
            _firstBytePieceId = model.Pieces.Count - 256;
            for (int b = 0; b < 256; b++)
            {
                var p = model.Pieces[_firstBytePieceId + b];
                if (p.Type != SentencePieceType.Byte || p.Piece != SentencePieceModel.ByteFallbackPiece(b))
                    throw new NotSupportedException(
                        $"'{sourceName}': byte-fallback models must end with the 256 byte pieces <0x00>..<0xFF> in order " +
                        "(Microsoft.ML.Tokenizers mis-numbers byte pieces anywhere else)");
            }
            _libraryByteOffset = model.Pieces.Count - 1;
        }

        // Workaround for library defect 4: characters that the charsmap maps to the empty string (nmt_nfkc: ASCII/C1
        // control characters) are kept by the library instead of removed. Text containing one is normalized by the
        // kit (sentencepiece's algorithm) and only segmented by the library. Simply deleting the character first is
        // not the same: it can join a base letter and a combining mark that sentencepiece keeps apart.
        _codePointsMappedToEmpty = model.PrecompiledCharsmap.Length > 0
            ? PrecompiledCharsmap.Parse(model.PrecompiledCharsmap).CodePointsMappedToEmpty()
            : new HashSet<int>();
        _normalizer = new SentencePieceTextNormalizer(model);
    }

    /// <summary>
    /// sentencepiece's <c>EncodeAsIds(text)</c>: raw piece ids (no BOS/EOS). Pieces are looked up from these ids by the
    /// caller: the library's <c>EncodeToTokens</c> cannot be used (library defect 5: it throws IndexOutOfRangeException
    /// as soon as byte fallback happens, indexing its piece table with the mis-numbered byte ids of defect 1).
    /// </summary>
    public int[] EncodeToIds(string text)
    {
        if (text.Length == 0) return [];
        return ContainsCodePointMappedToEmpty(text) ? EncodeWithOwnNormalization(text) : FixByteIds(_library.EncodeToIds(text, false, false));
    }

    /// <summary>The defect-4 path: the kit normalizes, the library only segments. Public to tests, which check both paths agree.</summary>
    internal int[] EncodeWithOwnNormalization(string text) =>
        FixByteIds(_library.EncodeToIds(_normalizer.Normalize(text), false, false, considerPreTokenization: false, considerNormalization: false));

    private int[] FixByteIds(IReadOnlyList<int> ids)
    {
        var result = new int[ids.Count];
        for (int i = 0; i < result.Length; i++)
        {
            int id = ids[i];
            // Undo defect 1 (see constructor): ids at or past the last byte piece are byte-fallback bytes.
            if (_libraryByteOffset > 0 && id >= _libraryByteOffset)
                id = _firstBytePieceId + (id - _libraryByteOffset);
            result[i] = id;
        }
        return result;
    }

    private bool ContainsCodePointMappedToEmpty(string text)
    {
        if (_codePointsMappedToEmpty.Count == 0) return false;
        foreach (char c in text)
            if (_codePointsMappedToEmpty.Contains(c)) return true; // nmt_nfkc's are all in the BMP
        if (_codePointsMappedToEmpty.Any(cp => cp > 0xFFFF))
            foreach (var rune in text.EnumerateRunes())
                if (_codePointsMappedToEmpty.Contains(rune.Value)) return true;
        return false;
    }
}
