namespace ChatGlmLab.Tokenization;

/// <summary>
/// A SentencePiece <c>ModelProto</c> (the .model file), reduced to the fields this kit reads or writes.
/// Absent fields take the proto2 defaults of sentencepiece_model.proto, exactly as sentencepiece does
/// (e.g. ice_text.model stores neither model_type nor add_dummy_prefix: UNIGRAM and true).
/// </summary>
public sealed class SentencePieceModel
{
    // ModelProto field numbers.
    private const int PiecesField = 1, TrainerSpecField = 2, NormalizerSpecField = 3;
    // ModelProto.SentencePiece field numbers.
    private const int PieceField = 1, ScoreField = 2, TypeField = 3;
    // TrainerSpec field numbers.
    private const int ModelTypeField = 3, VocabSizeField = 4, CharacterCoverageField = 10, SplitDigitsField = 25,
        TreatWhitespaceAsSuffixField = 24, UserDefinedSymbolsField = 31, ByteFallbackField = 35,
        UnkIdField = 40, BosIdField = 41, EosIdField = 42, PadIdField = 43, UnkSurfaceField = 44;
    // NormalizerSpec field numbers.
    private const int NameField = 1, PrecompiledCharsmapField = 2, AddDummyPrefixField = 3,
        RemoveExtraWhitespacesField = 4, EscapeWhitespacesField = 5;

    /// <summary>TrainerSpec.ModelType: UNIGRAM = 1 (the proto default), BPE = 2, WORD = 3, CHAR = 4.</summary>
    public const int UnigramModelType = 1;
    /// <summary>sentencepiece's default surface of &lt;unk&gt; when decoding (" \u2047 ").</summary>
    public const string DefaultUnknownSurface = " \u2047 ";

    public required IReadOnlyList<SentencePieceEntry> Pieces { get; init; }

    // trainer_spec
    public int ModelType { get; init; } = UnigramModelType;
    public int TrainerVocabSize { get; init; } = 8000;
    public float CharacterCoverage { get; init; } = 0.9995f;
    public bool SplitDigits { get; init; }
    public bool TreatWhitespaceAsSuffix { get; init; }
    public IReadOnlyList<string> UserDefinedSymbols { get; init; } = [];
    public bool ByteFallback { get; init; }
    public int UnkId { get; init; }
    public int BosId { get; init; } = 1;
    public int EosId { get; init; } = 2;
    public int PadId { get; init; } = -1;
    public string UnknownSurface { get; init; } = DefaultUnknownSurface;

    // normalizer_spec
    public string NormalizerName { get; init; } = "";
    public byte[] PrecompiledCharsmap { get; init; } = [];
    public bool AddDummyPrefix { get; init; } = true;
    public bool RemoveExtraWhitespaces { get; init; } = true;
    public bool EscapeWhitespaces { get; init; } = true;

    /// <summary>Reads and validates a .model file. Errors name the file.</summary>
    public static SentencePieceModel Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"SentencePiece model file not found: '{path}'", path);
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses ModelProto bytes; <paramref name="sourceName"/> is used in error messages.</summary>
    public static SentencePieceModel Parse(ReadOnlySpan<byte> bytes, string sourceName)
    {
        SentencePieceModel model;
        try
        {
            model = ParseUnchecked(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{sourceName}' is not a SentencePiece model file (protobuf ModelProto): {e.Message}", e);
        }
        model.Validate(sourceName);
        return model;
    }

    private static SentencePieceModel ParseUnchecked(ReadOnlySpan<byte> bytes)
    {
        var pieces = new List<SentencePieceEntry>();
        var userDefined = new List<string>();
        int modelType = UnigramModelType, trainerVocabSize = 8000, unkId = 0, bosId = 1, eosId = 2, padId = -1;
        float coverage = 0.9995f;
        bool splitDigits = false, byteFallback = false, suffix = false;
        string unkSurface = DefaultUnknownSurface, normalizerName = "";
        byte[] charsmap = [];
        bool addDummyPrefix = true, removeExtraWhitespaces = true, escapeWhitespaces = true;

        var reader = new ProtobufReader(bytes);
        while (reader.TryReadKey(out int field, out int wire))
        {
            if (field == PiecesField && wire == ProtobufWire.LengthDelimited)
                pieces.Add(ParsePiece(reader.ReadLengthDelimited()));
            else if (field == TrainerSpecField && wire == ProtobufWire.LengthDelimited)
            {
                var spec = new ProtobufReader(reader.ReadLengthDelimited());
                while (spec.TryReadKey(out int f, out int w))
                {
                    switch (f, w)
                    {
                        case (ModelTypeField, ProtobufWire.Varint): modelType = (int)spec.ReadVarint(); break;
                        case (VocabSizeField, ProtobufWire.Varint): trainerVocabSize = (int)spec.ReadVarint(); break;
                        case (CharacterCoverageField, ProtobufWire.Fixed32): coverage = spec.ReadFloat(); break;
                        case (SplitDigitsField, ProtobufWire.Varint): splitDigits = spec.ReadVarint() != 0; break;
                        case (TreatWhitespaceAsSuffixField, ProtobufWire.Varint): suffix = spec.ReadVarint() != 0; break;
                        case (UserDefinedSymbolsField, ProtobufWire.LengthDelimited): userDefined.Add(spec.ReadString()); break;
                        case (ByteFallbackField, ProtobufWire.Varint): byteFallback = spec.ReadVarint() != 0; break;
                        case (UnkIdField, ProtobufWire.Varint): unkId = (int)spec.ReadVarint(); break;
                        case (BosIdField, ProtobufWire.Varint): bosId = (int)spec.ReadVarint(); break;
                        case (EosIdField, ProtobufWire.Varint): eosId = (int)spec.ReadVarint(); break;
                        case (PadIdField, ProtobufWire.Varint): padId = (int)spec.ReadVarint(); break;
                        case (UnkSurfaceField, ProtobufWire.LengthDelimited): unkSurface = spec.ReadString(); break;
                        default: spec.SkipField(w); break;
                    }
                }
            }
            else if (field == NormalizerSpecField && wire == ProtobufWire.LengthDelimited)
            {
                var spec = new ProtobufReader(reader.ReadLengthDelimited());
                while (spec.TryReadKey(out int f, out int w))
                {
                    switch (f, w)
                    {
                        case (NameField, ProtobufWire.LengthDelimited): normalizerName = spec.ReadString(); break;
                        case (PrecompiledCharsmapField, ProtobufWire.LengthDelimited): charsmap = spec.ReadLengthDelimited().ToArray(); break;
                        case (AddDummyPrefixField, ProtobufWire.Varint): addDummyPrefix = spec.ReadVarint() != 0; break;
                        case (RemoveExtraWhitespacesField, ProtobufWire.Varint): removeExtraWhitespaces = spec.ReadVarint() != 0; break;
                        case (EscapeWhitespacesField, ProtobufWire.Varint): escapeWhitespaces = spec.ReadVarint() != 0; break;
                        default: spec.SkipField(w); break;
                    }
                }
            }
            else
                reader.SkipField(wire);
        }

        return new SentencePieceModel
        {
            Pieces = pieces, ModelType = modelType, TrainerVocabSize = trainerVocabSize, CharacterCoverage = coverage,
            SplitDigits = splitDigits, TreatWhitespaceAsSuffix = suffix, UserDefinedSymbols = userDefined,
            ByteFallback = byteFallback, UnkId = unkId, BosId = bosId, EosId = eosId, PadId = padId, UnknownSurface = unkSurface,
            NormalizerName = normalizerName, PrecompiledCharsmap = charsmap, AddDummyPrefix = addDummyPrefix,
            RemoveExtraWhitespaces = removeExtraWhitespaces, EscapeWhitespaces = escapeWhitespaces,
        };
    }

    private static SentencePieceEntry ParsePiece(ReadOnlySpan<byte> bytes)
    {
        var reader = new ProtobufReader(bytes);
        string? piece = null;
        float score = 0f;
        var type = SentencePieceType.Normal;
        while (reader.TryReadKey(out int field, out int wire))
        {
            switch (field, wire)
            {
                case (PieceField, ProtobufWire.LengthDelimited): piece = reader.ReadString(); break;
                case (ScoreField, ProtobufWire.Fixed32): score = reader.ReadFloat(); break;
                case (TypeField, ProtobufWire.Varint): type = (SentencePieceType)(int)reader.ReadVarint(); break;
                default: reader.SkipField(wire); break;
            }
        }
        if (piece is null) throw new InvalidDataException("a vocabulary entry has no piece string");
        if (type is < SentencePieceType.Normal or > SentencePieceType.Byte) throw new InvalidDataException($"piece '{piece}' has unknown type {(int)type}");
        return new SentencePieceEntry(piece, score, type);
    }

    /// <summary>The checks sentencepiece itself makes when loading (plus the ones this kit relies on).</summary>
    private void Validate(string sourceName)
    {
        string Fail(string why) => $"'{sourceName}' is not a usable SentencePiece model: {why}";
        if (Pieces.Count == 0) throw new InvalidDataException(Fail("it has no vocabulary pieces"));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int unknownCount = 0;
        for (int i = 0; i < Pieces.Count; i++)
        {
            var p = Pieces[i];
            if (p.Piece.Length == 0) throw new InvalidDataException(Fail($"piece {i} is empty"));
            if (!seen.Add(p.Piece)) throw new InvalidDataException(Fail($"piece '{p.Piece}' occurs twice"));
            if (p.Type == SentencePieceType.Unknown) unknownCount++;
        }
        if (unknownCount != 1) throw new InvalidDataException(Fail($"it must have exactly one UNKNOWN piece, found {unknownCount}"));
        if (UnkId < 0 || UnkId >= Pieces.Count || Pieces[UnkId].Type != SentencePieceType.Unknown)
            throw new InvalidDataException(Fail($"unk_id {UnkId} is not the UNKNOWN piece"));
        if (ByteFallback)
        {
            for (int b = 0; b < 256; b++)
                if (!seen.Contains(ByteFallbackPiece(b)))
                    throw new InvalidDataException(Fail($"byte_fallback is set but the byte piece {ByteFallbackPiece(b)} is missing"));
        }
    }

    /// <summary>The piece that byte fallback uses for <paramref name="value"/>: &lt;0x00&gt; .. &lt;0xFF&gt;.</summary>
    public static string ByteFallbackPiece(int value) => $"<0x{value:X2}>";

    /// <summary>Serializes as a ModelProto (fields in field-number order, as protoc writes them).</summary>
    public byte[] Serialize()
    {
        var model = new ProtobufWriter();
        foreach (var p in Pieces)
        {
            var piece = new ProtobufWriter();
            piece.WriteStringField(PieceField, p.Piece);
            piece.WriteFloatField(ScoreField, p.Score);
            if (p.Type != SentencePieceType.Normal) piece.WriteVarintField(TypeField, (ulong)p.Type);
            model.WriteBytesField(PiecesField, piece.ToArray());
        }

        var trainer = new ProtobufWriter();
        trainer.WriteVarintField(ModelTypeField, (ulong)ModelType);
        trainer.WriteInt32Field(VocabSizeField, TrainerVocabSize);
        trainer.WriteFloatField(CharacterCoverageField, CharacterCoverage);
        trainer.WriteBoolField(TreatWhitespaceAsSuffixField, TreatWhitespaceAsSuffix);
        trainer.WriteBoolField(SplitDigitsField, SplitDigits);
        foreach (var s in UserDefinedSymbols) trainer.WriteStringField(UserDefinedSymbolsField, s);
        trainer.WriteBoolField(ByteFallbackField, ByteFallback);
        trainer.WriteInt32Field(UnkIdField, UnkId);
        trainer.WriteInt32Field(BosIdField, BosId);
        trainer.WriteInt32Field(EosIdField, EosId);
        trainer.WriteInt32Field(PadIdField, PadId);
        if (UnknownSurface != DefaultUnknownSurface) trainer.WriteStringField(UnkSurfaceField, UnknownSurface);
        model.WriteBytesField(TrainerSpecField, trainer.ToArray());

        var normalizer = new ProtobufWriter();
        normalizer.WriteStringField(NameField, NormalizerName);
        if (PrecompiledCharsmap.Length > 0) normalizer.WriteBytesField(PrecompiledCharsmapField, PrecompiledCharsmap);
        normalizer.WriteBoolField(AddDummyPrefixField, AddDummyPrefix);
        normalizer.WriteBoolField(RemoveExtraWhitespacesField, RemoveExtraWhitespaces);
        normalizer.WriteBoolField(EscapeWhitespacesField, EscapeWhitespaces);
        model.WriteBytesField(NormalizerSpecField, normalizer.ToArray());

        return model.ToArray();
    }
}
