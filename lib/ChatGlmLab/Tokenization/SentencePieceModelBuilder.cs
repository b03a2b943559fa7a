using System.Globalization;
using System.Text;

namespace ChatGlmLab.Tokenization;

/// <summary>
/// Builds a small ChatGLM-layout SentencePiece unigram model from a corpus, for the small models this kit trains on CPU.
/// Layout (same piece types and relative order as ChatGLM-6B's ice_text.model):
/// 0 &lt;unk&gt; UNKNOWN, 1 &lt;s&gt; 2 &lt;/s&gt; 3 &lt;pad&gt; CONTROL, 4 &lt;n&gt; USER_DEFINED, then the learned NORMAL pieces
/// (best score first), then [MASK] [gMASK] [sMASK] &lt;unused_0&gt; &lt;sop&gt; &lt;eop&gt; &lt;ENC&gt; &lt;dBLOCK&gt; CONTROL,
/// &lt;|tab|&gt; and &lt;|blank_2|&gt;..&lt;|blank_80|&gt; USER_DEFINED, and the 256 byte pieces last (byte fallback).
/// <para>
/// Piece choice: the corpus is NFKC-normalized when the model gets a charsmap (close to nmt_nfkc, good enough for
/// counting; an identity model counts the raw text) and cut into words at
/// whitespace; inside a word, runs of Han characters, of other letters and of other symbols give the candidates
/// (digits are always single pieces: split_digits), optionally with the word's leading '▁'. All characters at or
/// above <see cref="SentencePieceBuilderOptions.MinCharacterFrequency"/>, '▁', and the best multi-character
/// candidates by frequency × (length − 1) form a first model scored by log relative frequency. That model then
/// segments the corpus (through this kit's tokenizer, i.e. the real Viterbi), multi-character pieces it never uses
/// are dropped, and the final scores are the log relative frequencies of that segmentation (one EM step).
/// Deterministic: every choice is ordered by count, then by ordinal string order.
/// </para>
/// </summary>
public static class SentencePieceModelBuilder
{
    private const string SpaceSymbol = "\u2581";

    /// <summary>The GLM specials in ice_text.model's order, all CONTROL.</summary>
    public static readonly string[] GlmSpecialPieces = ["[MASK]", "[gMASK]", "[sMASK]", "<unused_0>", "<sop>", "<eop>", "<ENC>", "<dBLOCK>"];

    /// <summary>Builds the model and writes it plus tokenizer_config.json into <paramref name="outputDir"/>.</summary>
    public static BuiltTokenizer Build(IEnumerable<string> corpus, string outputDir, SentencePieceBuilderOptions? options = null)
    {
        options ??= new SentencePieceBuilderOptions();
        var texts = corpus as IReadOnlyList<string> ?? corpus.ToList();
        var model = BuildModel(texts, options);

        Directory.CreateDirectory(outputDir);
        string modelPath = Path.Combine(outputDir, options.ModelFileName);
        File.WriteAllBytes(modelPath, model.Serialize());
        string configPath = Path.Combine(outputDir, TokenizerConfig.FileName);
        (TokenizerConfig.ChatGlm6B with { VocabFile = options.ModelFileName }).Save(configPath);

        int Id(string piece) => IndexOf(model, piece);
        int learned = model.Pieces.Count(p => p.Type == SentencePieceType.Normal);
        int characters = model.Pieces.Count(p => p.Type == SentencePieceType.Normal && IsSingleCharacter(p.Piece));
        return new BuiltTokenizer(outputDir, modelPath, configPath, model.Pieces.Count,
            Id("<unk>"), Id("<pad>"), Id("[MASK]"), Id("[gMASK]"), Id("<sop>"), Id("<eop>"), characters, learned - characters);
    }

    /// <summary>Builds the model in memory (see the class summary for how pieces are chosen).</summary>
    public static SentencePieceModel BuildModel(IReadOnlyList<string> corpus, SentencePieceBuilderOptions options)
    {
        if (options.MinCharacterFrequency < 1) throw new ArgumentOutOfRangeException(nameof(options), "MinCharacterFrequency must be >= 1");
        if (options.MaxPieceLength < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxPieceLength must be >= 1");
        var normalizer = options.NormalizerSourceModel != null ? SentencePieceModel.Load(options.NormalizerSourceModel) : null;

        // Count on text as the model will see it: NFKC approximates nmt_nfkc (the library cannot show its own
        // normalization, defect 3 in SentencePieceEncoder); an identity model sees the raw text.
        var (characterCounts, candidateCounts) = CountCandidates(corpus, options.MaxPieceLength, applyNfkc: normalizer?.PrecompiledCharsmap.Length > 0);

        // Round 1: characters + the best candidates, scored by log relative frequency.
        var characters = characterCounts.Where(kv => kv.Value >= options.MinCharacterFrequency || kv.Key == SpaceSymbol)
            .Select(kv => (Piece: kv.Key, Count: (long)kv.Value)).ToList();
        if (!characters.Any(c => c.Piece == SpaceSymbol)) characters.Add((SpaceSymbol, 1));
        var candidates = candidateCounts.Where(kv => kv.Value >= options.MinPieceFrequency)
            .OrderByDescending(kv => (long)kv.Value * (PieceLength(kv.Key) - 1)).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(options.MultiCharacterPieces)
            .Select(kv => (Piece: kv.Key, Count: (long)kv.Value)).ToList();
        var firstRound = Assemble([.. characters, .. candidates], normalizer, ScoresFromCounts);

        // Round 2: let the first model segment the corpus, keep what it uses, rescore by usage.
        var usage = CountUsage(firstRound, corpus);
        var used = firstRound.Pieces.Select((p, id) => (p, id))
            .Where(x => x.p.Type == SentencePieceType.Normal && (usage[x.id] > 0 || IsSingleCharacter(x.p.Piece)))
            .Select(x => (Piece: x.p.Piece, Count: usage[x.id]))
            .ToList();
        return Assemble(used, normalizer, ScoresFromCounts);
    }

    private static (Dictionary<string, int> Characters, Dictionary<string, int> Candidates) CountCandidates(IReadOnlyList<string> corpus, int maxLength, bool applyNfkc)
    {
        var characters = new Dictionary<string, int>(StringComparer.Ordinal);
        var candidates = new Dictionary<string, int>(StringComparer.Ordinal);
        void Add(Dictionary<string, int> counts, string key) => counts[key] = counts.TryGetValue(key, out int n) ? n + 1 : 1;

        foreach (var raw in corpus)
        {
            var text = applyNfkc ? raw.Normalize(NormalizationForm.FormKC) : raw;
            foreach (var word in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                var chars = SplitCharacters(word);
                Add(characters, SpaceSymbol);
                foreach (var c in chars) Add(characters, c);

                // Runs of one kind; digits are single pieces (split_digits) and start no candidate.
                int start = 0;
                while (start < chars.Count)
                {
                    var kind = KindOf(chars[start]);
                    int end = start + 1;
                    while (kind != CharKind.Digit && end < chars.Count && KindOf(chars[end]) == kind) end++;
                    if (kind != CharKind.Digit)
                    {
                        for (int i = start; i < end; i++)
                            for (int j = i + 2; j <= Math.Min(end, i + maxLength); j++)
                                Add(candidates, string.Concat(chars.GetRange(i, j - i)));
                        if (start == 0) // the word's first run, with the '▁' the word starts with
                            for (int j = 1; j <= Math.Min(end, maxLength); j++)
                                Add(candidates, SpaceSymbol + string.Concat(chars.GetRange(0, j)));
                    }
                    start = end;
                }
            }
        }
        return (characters, candidates);
    }

    private enum CharKind { Han, Letter, Digit, Other }

    private static CharKind KindOf(string character)
    {
        int cp = char.ConvertToUtf32(character, 0);
        if (cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2FFFF or >= 0xF900 and <= 0xFAFF)
            return CharKind.Han;
        var category = CharUnicodeInfo.GetUnicodeCategory(cp);
        if (category == UnicodeCategory.DecimalDigitNumber) return CharKind.Digit;
        if (char.IsLetter(character, 0) || category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)
            return CharKind.Letter;
        return CharKind.Other;
    }

    private static List<string> SplitCharacters(string word)
    {
        var result = new List<string>(word.Length);
        for (int i = 0; i < word.Length; i++)
        {
            if (char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]))
            {
                result.Add(word.Substring(i, 2));
                i++;
            }
            else if (!char.IsSurrogate(word[i]))
                result.Add(word[i].ToString());
        }
        return result;
    }

    /// <summary>Length in characters, the leading '▁' included.</summary>
    private static int PieceLength(string piece) => SplitCharacters(piece).Count;

    private static bool IsSingleCharacter(string piece) => SplitCharacters(piece).Count == 1;

    private static float[] ScoresFromCounts(IReadOnlyList<long> counts)
    {
        // log relative frequency; a piece never used (a rare character kept for coverage) counts as half an occurrence.
        double total = counts.Sum(c => (double)Math.Max(c, 1));
        return counts.Select(c => (float)Math.Log(Math.Max(c, 0.5) / total)).ToArray();
    }

    /// <summary>Lays out the ChatGLM vocabulary around the learned pieces (sorted by score, best first).</summary>
    private static SentencePieceModel Assemble(List<(string Piece, long Count)> learned, SentencePieceModel? normalizer, Func<IReadOnlyList<long>, float[]> score)
    {
        var reserved = new HashSet<string>(StringComparer.Ordinal) { "<unk>", "<s>", "</s>", "<pad>", "<n>", "<|tab|>" };
        reserved.UnionWith(GlmSpecialPieces);
        for (int n = 2; n <= GlmWhitespaceCodec.MaxBlankLength; n++) reserved.Add(GlmWhitespaceCodec.BlankToken(n));
        for (int b = 0; b < 256; b++) reserved.Add(SentencePieceModel.ByteFallbackPiece(b));
        learned = learned.Where(l => !reserved.Contains(l.Piece)).ToList();

        var scores = score(learned.Select(l => l.Count).ToList());
        var normal = learned.Select((l, i) => new SentencePieceEntry(l.Piece, scores[i], SentencePieceType.Normal))
            .OrderByDescending(p => p.Score).ThenBy(p => p.Piece, StringComparer.Ordinal).ToList();

        var pieces = new List<SentencePieceEntry>
        {
            new("<unk>", 0f, SentencePieceType.Unknown),
            new("<s>", 0f, SentencePieceType.Control),
            new("</s>", 0f, SentencePieceType.Control),
            new("<pad>", 0f, SentencePieceType.Control),
            new("<n>", 0f, SentencePieceType.UserDefined),
        };
        pieces.AddRange(normal);
        int trainedSize = pieces.Count;
        pieces.AddRange(GlmSpecialPieces.Select(p => new SentencePieceEntry(p, 0f, SentencePieceType.Control)));
        pieces.Add(new(GlmWhitespaceCodec.TabToken, 0f, SentencePieceType.UserDefined));
        for (int n = 2; n <= GlmWhitespaceCodec.MaxBlankLength; n++)
            pieces.Add(new(GlmWhitespaceCodec.BlankToken(n), 0f, SentencePieceType.UserDefined));
        for (int b = 0; b < 256; b++)
            pieces.Add(new(SentencePieceModel.ByteFallbackPiece(b), 0f, SentencePieceType.Byte));

        return new SentencePieceModel
        {
            Pieces = pieces,
            ModelType = SentencePieceModel.UnigramModelType,
            TrainerVocabSize = trainedSize,
            CharacterCoverage = 1.0f,
            SplitDigits = true,
            UserDefinedSymbols = ["<n>"],
            ByteFallback = true,
            UnkId = 0, BosId = 1, EosId = 2, PadId = 3,
            NormalizerName = normalizer?.NormalizerName ?? "identity",
            PrecompiledCharsmap = normalizer?.PrecompiledCharsmap ?? [],
            AddDummyPrefix = normalizer?.AddDummyPrefix ?? true,
            RemoveExtraWhitespaces = normalizer?.RemoveExtraWhitespaces ?? true,
            EscapeWhitespaces = normalizer?.EscapeWhitespaces ?? true,
        };
    }

    private static long[] CountUsage(SentencePieceModel model, IReadOnlyList<string> corpus)
    {
        var bytes = model.Serialize();
        var sp = new SpTokenizer(SentencePieceModel.Parse(bytes, "<builder first round>"), bytes, "<builder first round>", numImageTokens: 0);
        var usage = new long[model.Pieces.Count];
        foreach (var text in corpus)
            foreach (int id in sp.Encode(text))
                usage[id]++;
        return usage;
    }

    private static int IndexOf(SentencePieceModel model, string piece)
    {
        for (int i = 0; i < model.Pieces.Count; i++) if (model.Pieces[i].Piece == piece) return i;
        throw new InvalidOperationException($"piece {piece} missing from the built model");
    }
}
