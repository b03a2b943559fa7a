using Microsoft.ML.Tokenizers;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Tokenization;

/// <summary>
/// The five Microsoft.ML.Tokenizers defects the kit works around (SentencePieceEncoder's list), shown on the installed
/// version with the real ice_text.model. Each test asserts the defect is STILL there: when an upgrade fixes one, its test
/// fails, and that workaround can go (3.0.0 fixes none of them, measured as for 2.0.1).
/// </summary>
public sealed class LibraryDefectTests
{
    private static readonly Lazy<SentencePieceTokenizer> Library = new(() =>
    {
        using var stream = File.OpenRead(Paths.Fixture("tokenizer", "ice_text.model"));
        return SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false);
    });

    private const int FirstBytePiece = 130088;   // <0x00>
    private const int LastBytePiece = 130343;    // <0xFF>

    [Fact]
    public void Defect1_byte_fallback_ids_come_out_255_too_high()
    {
        // U+E000 is not in the vocabulary: UTF-8 EE 80 80 falls back to byte pieces <0xEE> <0x80> <0x80>.
        var ids = Library.Value.EncodeToIds("\uE000", false, false);
        Assert.Equal([5, LastBytePiece + 0xEE, LastBytePiece + 0x80, LastBytePiece + 0x80], ids);
        Assert.NotEqual([5, FirstBytePiece + 0xEE, FirstBytePiece + 0x80, FirstBytePiece + 0x80], ids);
    }

    [Fact]
    public void Defect2_decode_returns_an_empty_string() =>
        Assert.Equal("", Library.Value.Decode([5, 74874]));   // upstream: "你好"

    [Fact]
    public void Defect3_the_normalizer_does_not_apply_the_charsmap() =>
        Assert.Contains("ＡＢＣ１２３", Library.Value.Normalizer!.Normalize("ＡＢＣ１２３"));   // NFKC would give "ABC123"

    [Fact]
    public void Defect4_a_control_character_the_charsmap_removes_becomes_a_byte_piece() =>
        // sentencepiece removes U+0001 (nmt_nfkc maps it to ""): "a\u0001b" encodes like "ab".
        Assert.Equal([104, LastBytePiece + 0x01, 178], Library.Value.EncodeToIds("a\u0001b", false, false));

    [Fact]
    public void Defect5_encode_to_tokens_throws_on_byte_fallback() =>
        Assert.Throws<IndexOutOfRangeException>(() => Library.Value.EncodeToTokens("\uE000", out _));
}
