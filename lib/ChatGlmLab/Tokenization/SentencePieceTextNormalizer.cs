using System.Text;

namespace ChatGlmLab.Tokenization;

/// <summary>
/// sentencepiece 0.1.97's <c>Normalizer::Normalize</c> (without offsets): user-defined pieces are kept verbatim, every
/// other prefix is replaced by its longest precompiled-charsmap rule (malformed UTF-8 → U+FFFD), leading whitespace
/// is dropped, runs of spaces are collapsed, the dummy prefix is added, spaces become '▁' and trailing '▁' are dropped.
/// Used only for text that library defect 4 would get wrong (see <see cref="SentencePieceEncoder"/>); everything
/// else is normalized by Microsoft.ML.Tokenizers itself. Tests check that both agree wherever the defect is absent.
/// </summary>
internal sealed class SentencePieceTextNormalizer
{
    private static readonly byte[] SpaceSymbol = Encoding.UTF8.GetBytes("\u2581");
    private static readonly byte[] ReplacementCharacter = Encoding.UTF8.GetBytes("\uFFFD");
    private readonly PrecompiledCharsmap? _charsmap;
    private readonly byte[][] _userDefinedPieces; // longest first
    private readonly SentencePieceModel _model;

    public SentencePieceTextNormalizer(SentencePieceModel model)
    {
        _model = model;
        _charsmap = model.PrecompiledCharsmap.Length > 0 ? PrecompiledCharsmap.Parse(model.PrecompiledCharsmap) : null;
        _userDefinedPieces = model.Pieces.Where(p => p.Type == SentencePieceType.UserDefined)
            .Select(p => Encoding.UTF8.GetBytes(p.Piece)).OrderByDescending(b => b.Length).ToArray();
    }

    public string Normalize(string text)
    {
        ReadOnlySpan<byte> input = Encoding.UTF8.GetBytes(text);
        var output = new List<byte>(input.Length + 8);
        bool removeExtra = _model.RemoveExtraWhitespaces, escape = _model.EscapeWhitespaces;

        if (removeExtra)
        {
            while (!input.IsEmpty)
            {
                int consumed = NormalizePrefix(input, out var piece);
                if (!(piece.Length == 1 && piece[0] == (byte)' ')) break;
                input = input[consumed..];
            }
        }
        if (input.IsEmpty) return "";

        void AddSpace() { if (escape) output.AddRange(SpaceSymbol); else output.Add((byte)' '); }
        if (!_model.TreatWhitespaceAsSuffix && _model.AddDummyPrefix) AddSpace();

        bool isPrevSpace = removeExtra;
        while (!input.IsEmpty)
        {
            int consumed = NormalizePrefix(input, out var piece);
            while (isPrevSpace && piece.Length > 0 && piece[0] == (byte)' ') piece = piece[1..];
            if (!piece.IsEmpty)
            {
                foreach (byte b in piece)
                {
                    if (escape && b == (byte)' ') output.AddRange(SpaceSymbol);
                    else output.Add(b);
                }
                isPrevSpace = piece[^1] == (byte)' ';
            }
            input = input[consumed..];
            if (!removeExtra) isPrevSpace = false;
        }

        if (removeExtra)
        {
            byte[] space = escape ? SpaceSymbol : [(byte)' '];
            while (output.Count >= space.Length && output.Skip(output.Count - space.Length).SequenceEqual(space))
                output.RemoveRange(output.Count - space.Length, space.Length);
        }
        if (_model.TreatWhitespaceAsSuffix && _model.AddDummyPrefix) AddSpace();
        return Encoding.UTF8.GetString(output.ToArray());
    }

    /// <summary>sentencepiece's <c>NormalizePrefix</c>: the normalized form of the next unit of input and the bytes it consumes.</summary>
    private int NormalizePrefix(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> piece)
    {
        foreach (var userDefined in _userDefinedPieces)
            if (input.StartsWith(userDefined))
            {
                piece = input[..userDefined.Length];
                return userDefined.Length;
            }
        if (_charsmap != null && _charsmap.TryLongestMatch(input, out int length, out piece))
            return length;
        int charLength = ValidUtf8Length(input);
        piece = charLength == 0 ? ReplacementCharacter : input[..charLength];
        return charLength == 0 ? 1 : charLength;
    }

    /// <summary>Length of the well-formed UTF-8 character at the start, or 0 if malformed.</summary>
    private static int ValidUtf8Length(ReadOnlySpan<byte> input) =>
        System.Text.Rune.DecodeFromUtf8(input, out _, out int consumed) == System.Buffers.OperationStatus.Done ? consumed : 0;
}
