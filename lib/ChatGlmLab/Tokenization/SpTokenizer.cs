using System.Globalization;

namespace ChatGlmLab.Tokenization;

/// <summary>
/// Port of upstream <c>SPTokenizer</c> (tokenization_chatglm.py): SentencePiece plus ChatGLM's whitespace
/// pieces, the dummy-prefix trick and the <c>num_image_tokens</c> id offset (ids below it are image tokens
/// <c>&lt;image_N&gt;</c>; every SentencePiece id is shifted up by it).
/// </summary>
public sealed class SpTokenizer
{
    private readonly SentencePieceEncoder _encoder;
    private readonly SentencePieceDecoder _decoder;
    private readonly Dictionary<string, int> _pieceToId;

    internal SpTokenizer(SentencePieceModel model, byte[] modelBytes, string modelPath, int numImageTokens)
    {
        if (numImageTokens < 0) throw new ArgumentOutOfRangeException(nameof(numImageTokens), numImageTokens, "must be >= 0");
        Model = model;
        ModelPath = modelPath;
        NumImageTokens = numImageTokens;
        _pieceToId = new Dictionary<string, int>(model.Pieces.Count, StringComparer.Ordinal);
        for (int i = 0; i < model.Pieces.Count; i++) _pieceToId[model.Pieces[i].Piece] = i;
        _encoder = new SentencePieceEncoder(modelBytes, model, modelPath);
        _decoder = new SentencePieceDecoder(model, _pieceToId);
    }

    public SentencePieceModel Model { get; }
    internal SentencePieceEncoder Encoder => _encoder;
    public string ModelPath { get; }
    public int NumImageTokens { get; }

    /// <summary>Number of SentencePiece pieces (<c>num_text_tokens</c>).</summary>
    public int NumTextTokens => Model.Pieces.Count;

    /// <summary><c>num_tokens</c> = image tokens + text tokens: the id space of this tokenizer.</summary>
    public int NumTokens => NumImageTokens + NumTextTokens;

    /// <summary>
    /// Upstream <c>encode</c>. Without the dummy prefix it encodes "&lt;n&gt;" + text and drops the first two ids
    /// (the '▁' and the &lt;n&gt; that SentencePiece then produces), exactly as upstream does.
    /// </summary>
    public int[] Encode(string text, bool linebreak = true, bool whitespaces = true, bool addDummyPrefix = true)
    {
        var ids = EncodeRaw(Preprocess(text, linebreak, whitespaces, addDummyPrefix));
        if (!addDummyPrefix) ids = ids.Length > 2 ? ids[2..] : [];
        if (NumImageTokens != 0)
            for (int i = 0; i < ids.Length; i++) ids[i] += NumImageTokens;
        return ids;
    }

    /// <summary>Upstream <c>tokenize</c>: the pieces of <see cref="Encode"/>.</summary>
    public string[] Tokenize(string text, bool linebreak = true, bool whitespaces = true, bool addDummyPrefix = true)
    {
        var ids = EncodeRaw(Preprocess(text, linebreak, whitespaces, addDummyPrefix));
        var pieces = ids.Select(id => Model.Pieces[id].Piece).ToArray();
        return addDummyPrefix ? pieces : pieces.Length > 2 ? pieces[2..] : [];
    }

    /// <summary>Upstream <c>decode</c>: ids below <see cref="NumImageTokens"/> are dropped, the rest decoded and post-processed.</summary>
    public string Decode(IEnumerable<int> ids) =>
        GlmWhitespaceCodec.Postprocess(_decoder.DecodeIds(ids.Select(id => id - NumImageTokens).Where(id => id >= 0)));

    /// <summary>Upstream <c>decode_tokens</c>: SentencePiece <c>DecodePieces</c> then post-processing.</summary>
    public string DecodeTokens(IEnumerable<string> tokens) => GlmWhitespaceCodec.Postprocess(_decoder.DecodePieces(tokens));

    /// <summary>Upstream <c>__getitem__(int)</c>: the token of an id (&lt;image_N&gt; below the offset).</summary>
    public string IdToToken(int id)
    {
        if (id < NumImageTokens) return $"<image_{id}>";
        int pieceId = id - NumImageTokens;
        if (pieceId >= Model.Pieces.Count) throw new ArgumentOutOfRangeException(nameof(id), id, $"id out of range (vocabulary size {NumTokens})");
        return Model.Pieces[pieceId].Piece;
    }

    /// <summary>Upstream <c>__getitem__(str)</c>: &lt;image_N&gt; → N, a piece → its id + offset, anything else → the unknown id + offset.</summary>
    public int TokenToId(string token)
    {
        if (token.StartsWith("<image_", StringComparison.Ordinal) && token.EndsWith('>') && token.Length > 8
            && token[7..^1].All(char.IsAsciiDigit))
            return int.Parse(token[7..^1], CultureInfo.InvariantCulture);
        return (_pieceToId.TryGetValue(token, out int id) ? id : Model.UnkId) + NumImageTokens;
    }

    /// <summary>True when <paramref name="token"/> is a piece of the SentencePiece model.</summary>
    public bool ContainsPiece(string token) => _pieceToId.ContainsKey(token);

    /// <summary>The SentencePiece type of a tokenizer id (null for image tokens).</summary>
    public SentencePieceType? TypeOf(int id) =>
        id < NumImageTokens || id - NumImageTokens >= Model.Pieces.Count ? null : Model.Pieces[id - NumImageTokens].Type;

    private static string Preprocess(string text, bool linebreak, bool whitespaces, bool addDummyPrefix)
    {
        if (linebreak) text = text.Replace("\n", GlmWhitespaceCodec.NewlineToken);
        if (whitespaces) text = GlmWhitespaceCodec.Preprocess(text);
        return addDummyPrefix ? text : GlmWhitespaceCodec.NewlineToken + text;
    }

    private int[] EncodeRaw(string preprocessed) => _encoder.EncodeToIds(preprocessed);
}
