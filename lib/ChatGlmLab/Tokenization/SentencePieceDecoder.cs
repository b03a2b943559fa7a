using System.Text;

namespace ChatGlmLab.Tokenization;

/// <summary>
/// sentencepiece 0.1.97's <c>DecodeIds</c> / <c>DecodePieces</c>, written here because Microsoft.ML.Tokenizers
/// 3.0.0 (like 2.0.1) cannot decode ChatGLM's model (library defect 2: <c>Decode</c> returns "" for every id list, since it
/// takes every id below its byte offset for a control token).
/// Rules (checked against sentencepiece 0.1.97 on 5,000 random id and piece sequences of ice_text.model): CONTROL pieces decode to ""; the UNKNOWN piece to the unk surface
/// (" ⁇ "); runs of BYTE pieces are joined and read as UTF-8, each byte that does not start a valid character
/// becoming U+FFFD; other pieces have '▁' replaced by ' ', and while nothing has been output yet a leading '▁'
/// is dropped (the dummy prefix).
/// </summary>
internal sealed class SentencePieceDecoder
{
    private const char SpaceSymbol = '\u2581';
    private readonly SentencePieceModel _model;
    private readonly Dictionary<string, int> _pieceToId;
    private readonly int _firstBytePieceId;

    public SentencePieceDecoder(SentencePieceModel model, Dictionary<string, int> pieceToId)
    {
        _model = model;
        _pieceToId = pieceToId;
        _firstBytePieceId = model.ByteFallback ? pieceToId[SentencePieceModel.ByteFallbackPiece(0)] : -1;
    }

    /// <summary><c>DecodeIds</c>: ids must be valid piece ids.</summary>
    public string DecodeIds(IEnumerable<int> ids)
    {
        var pieces = new List<(string Piece, int Id)>();
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_model.Pieces.Count)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"piece id out of range (the model has {_model.Pieces.Count} pieces)");
            pieces.Add((_model.Pieces[id].Piece, id));
        }
        return Decode(pieces);
    }

    /// <summary><c>DecodePieces</c>: a string that is not a piece counts as the unknown id but is output as itself.</summary>
    public string DecodePieces(IEnumerable<string> pieces) =>
        Decode(pieces.Select(p => (p, _pieceToId.TryGetValue(p, out int id) ? id : _model.UnkId)).ToList());

    private string Decode(List<(string Piece, int Id)> pieces)
    {
        var text = new StringBuilder();
        var pendingBytes = new List<byte>();
        foreach (var (piece, id) in pieces)
        {
            var type = _model.Pieces[id].Type;
            if (type == SentencePieceType.Byte)
            {
                pendingBytes.Add((byte)(id - _firstBytePieceId));
                continue;
            }
            AppendBytes(pendingBytes, text);
            switch (type)
            {
                case SentencePieceType.Control:
                    break; // invisible
                case SentencePieceType.Unknown:
                    text.Append(piece == _model.Pieces[id].Piece ? _model.UnknownSurface : piece);
                    break;
                default:
                    bool atBeginning = text.Length == 0;
                    var surface = atBeginning && piece.Length > 0 && piece[0] == SpaceSymbol ? piece.AsSpan(1) : piece.AsSpan();
                    foreach (char c in surface) text.Append(c == SpaceSymbol ? ' ' : c);
                    break;
            }
        }
        AppendBytes(pendingBytes, text);
        return text.ToString();
    }

    /// <summary>sentencepiece's byte-piece handling: one character per valid UTF-8 sequence, U+FFFD per invalid byte.</summary>
    private static void AppendBytes(List<byte> bytes, StringBuilder text)
    {
        int offset = 0;
        while (offset < bytes.Count)
        {
            int length = ValidUtf8SequenceLength(bytes, offset, out int codePoint);
            if (length == 0)
            {
                text.Append('\uFFFD');
                offset += 1;
            }
            else
            {
                text.Append(char.ConvertFromUtf32(codePoint));
                offset += length;
            }
        }
        bytes.Clear();
    }

    /// <summary>Length of the well-formed UTF-8 sequence at <paramref name="offset"/> (no overlongs, no surrogates, ≤ U+10FFFF), or 0.</summary>
    private static int ValidUtf8SequenceLength(List<byte> b, int offset, out int codePoint)
    {
        codePoint = 0;
        int remaining = b.Count - offset;
        byte lead = b[offset];
        static bool Trail(byte x) => (x & 0xC0) == 0x80;
        static bool ValidScalar(int cp) => cp < 0xD800 || (cp >= 0xE000 && cp <= 0x10FFFF);
        if (lead < 0x80) { codePoint = lead; return 1; }
        if (remaining >= 2 && (lead & 0xE0) == 0xC0 && Trail(b[offset + 1]))
        {
            codePoint = ((lead & 0x1F) << 6) | (b[offset + 1] & 0x3F);
            return codePoint >= 0x80 ? 2 : 0;
        }
        if (remaining >= 3 && (lead & 0xF0) == 0xE0 && Trail(b[offset + 1]) && Trail(b[offset + 2]))
        {
            codePoint = ((lead & 0x0F) << 12) | ((b[offset + 1] & 0x3F) << 6) | (b[offset + 2] & 0x3F);
            return codePoint >= 0x800 && ValidScalar(codePoint) ? 3 : 0;
        }
        if (remaining >= 4 && (lead & 0xF8) == 0xF0 && Trail(b[offset + 1]) && Trail(b[offset + 2]) && Trail(b[offset + 3]))
        {
            codePoint = ((lead & 0x07) << 18) | ((b[offset + 1] & 0x3F) << 12) | ((b[offset + 2] & 0x3F) << 6) | (b[offset + 3] & 0x3F);
            return codePoint >= 0x10000 && ValidScalar(codePoint) ? 4 : 0;
        }
        return 0;
    }
}
