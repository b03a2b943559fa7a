namespace ChatGlmLab.Tokenization;

/// <summary>
/// ChatGLM-6B's tokenizer (upstream <c>ChatGLMTokenizer</c> under transformers 4.27), id for id and string for
/// string. Encoding: special tokens (&lt;sop&gt; &lt;eop&gt; &lt;unk&gt; &lt;pad&gt; [MASK]; not [gMASK]) are cut out
/// of the text, every other piece goes through <see cref="SpTokenizer"/> with its own dummy prefix. Returns plain
/// arrays (no TorchSharp); the model side converts. Immutable after loading: safe to share between threads
/// (concurrent encoding is tested).
/// </summary>
public sealed class ChatGlmTokenizer
{
    private readonly SpecialTokenSplitter _splitter;
    private readonly HashSet<int> _allSpecialIds;

    private ChatGlmTokenizer(SpTokenizer sp, TokenizerConfig config)
    {
        Sp = sp;
        Config = config;
        int Resolve(string token, string role)
        {
            if (!sp.ContainsPiece(token))
                throw new InvalidDataException($"'{sp.ModelPath}': the {role} token '{token}' is not a piece of the model");
            return sp.TokenToId(token);
        }
        BosId = Resolve(config.BosToken, "bos");
        EosId = Resolve(config.EosToken, "eos");
        EndId = Resolve(config.EndToken, "end");
        MaskId = Resolve(config.MaskToken, "mask");
        GMaskId = Resolve(config.GMaskToken, "gmask");
        PadId = Resolve(config.PadToken, "pad");
        UnkId = Resolve(config.UnkToken, "unk");
        // transformers' all_special_tokens: bos, eos, unk, pad, mask (gmask and end are attributes only).
        AllSpecialTokens = [config.BosToken, config.EosToken, config.UnkToken, config.PadToken, config.MaskToken];
        _allSpecialIds = [BosId, EosId, UnkId, PadId, MaskId];
        _splitter = new SpecialTokenSplitter(AllSpecialTokens);
    }

    /// <summary>
    /// Loads a tokenizer directory: the model named by tokenizer_config.json's <c>vocab_file</c>, else
    /// <c>ice_text.model</c>; tokenizer_config.json is optional (without it THUDM's values apply, num_image_tokens 0).
    /// </summary>
    public static ChatGlmTokenizer FromPretrained(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"tokenizer directory not found: '{dir}'");
        string configPath = Path.Combine(dir, TokenizerConfig.FileName);
        var config = File.Exists(configPath) ? TokenizerConfig.Load(configPath) : TokenizerConfig.ChatGlm6B;
        string modelPath = Path.Combine(dir, config.VocabFile ?? TokenizerConfig.DefaultVocabFile);
        if (!File.Exists(modelPath))
        {
            var candidates = Directory.GetFiles(dir, "*.model").Select(Path.GetFileName).ToArray();
            throw new FileNotFoundException(
                $"SentencePiece model file not found: '{modelPath}'" +
                (candidates.Length > 0 ? $" (the directory has {string.Join(", ", candidates)}: name it in {TokenizerConfig.FileName} as \"vocab_file\" or use FromModelFile)" : ""),
                modelPath);
        }
        return Create(modelPath, config);
    }

    /// <summary>Loads a .model file with THUDM's tokenizer settings and the given image-token id offset.</summary>
    public static ChatGlmTokenizer FromModelFile(string modelPath, int numImageTokens = 0) =>
        Create(modelPath, TokenizerConfig.ChatGlm6B with { NumImageTokens = numImageTokens });

    /// <summary>Loads a .model file with an explicit configuration.</summary>
    public static ChatGlmTokenizer Create(string modelPath, TokenizerConfig config)
    {
        if (!File.Exists(modelPath))
            throw new FileNotFoundException($"SentencePiece model file not found: '{modelPath}'", modelPath);
        var bytes = File.ReadAllBytes(modelPath);
        var model = SentencePieceModel.Parse(bytes, modelPath);
        return new ChatGlmTokenizer(new SpTokenizer(model, bytes, modelPath, config.NumImageTokens), config);
    }

    /// <summary>The SentencePiece-level tokenizer (upstream <c>sp_tokenizer</c>).</summary>
    public SpTokenizer Sp { get; }
    public TokenizerConfig Config { get; }

    /// <summary>num_image_tokens + number of pieces (130,344 for ChatGLM-6B).</summary>
    public int VocabSize => Sp.NumTokens;
    public int PadId { get; }
    public int UnkId { get; }
    public int MaskId { get; }
    public int GMaskId { get; }
    /// <summary>&lt;sop&gt;, the start of the generated part.</summary>
    public int BosId { get; }
    /// <summary>&lt;eop&gt;, the end of the generated part.</summary>
    public int EosId { get; }
    /// <summary>&lt;/s&gt; (upstream <c>end_token_id</c>).</summary>
    public int EndId { get; }
    /// <summary>The registered special tokens, in transformers' order: &lt;sop&gt; &lt;eop&gt; &lt;unk&gt; &lt;pad&gt; [MASK].</summary>
    public IReadOnlyList<string> AllSpecialTokens { get; }
    public IReadOnlyList<int> AllSpecialIds => [BosId, EosId, UnkId, PadId, MaskId];

    /// <summary>Upstream <c>tokenize</c>: the pieces, special tokens included as their text.</summary>
    public string[] Tokenize(string text)
    {
        var tokens = new List<string>();
        foreach (var (part, isSpecial) in _splitter.Split(text))
        {
            if (isSpecial) tokens.Add(part);
            else tokens.AddRange(Sp.Tokenize(PreprocessText(part)));
        }
        return tokens.ToArray();
    }

    /// <summary>
    /// Upstream <c>encode(text, add_special_tokens)</c>; <paramref name="addSpecialTokens"/> appends [gMASK] &lt;sop&gt;.
    /// (The library default differs from upstream's: pass true for what <c>tokenizer(text)</c> returns.)
    /// </summary>
    public int[] Encode(string text, bool addSpecialTokens = false)
    {
        var ids = new List<int>();
        foreach (var (part, isSpecial) in _splitter.Split(text))
        {
            if (isSpecial) ids.Add(Sp.TokenToId(part));
            else ids.AddRange(Sp.Encode(PreprocessText(part)));
        }
        return addSpecialTokens ? BuildInputsWithSpecialTokens(ids.ToArray()) : ids.ToArray();
    }

    /// <summary>Upstream <c>convert_tokens_to_ids</c>.</summary>
    public int[] ConvertTokensToIds(IEnumerable<string> tokens) => tokens.Select(Sp.TokenToId).ToArray();

    /// <summary>Upstream <c>convert_ids_to_tokens</c>.</summary>
    public string[] ConvertIdsToTokens(IEnumerable<int> ids) => ids.Select(Sp.IdToToken).ToArray();

    /// <summary>
    /// Upstream <c>decode</c>: pad ids removed; with <paramref name="skipSpecialTokens"/> the registered special ids too;
    /// the remaining tokens decoded by SentencePiece (control pieces such as [gMASK] &lt;sop&gt; &lt;eop&gt; give "")
    /// and ChatGLM's whitespace pieces expanded; then transformers' <c>clean_up_tokenization</c>.
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        var kept = ids.Where(id => id != PadId && !(skipSpecialTokens && _allSpecialIds.Contains(id))).ToList();
        if (kept.Count == 0) return "";
        return DecodeCleanup.CleanUpTokenization(Sp.DecodeTokens(ConvertIdsToTokens(kept)));
    }

    /// <summary>Upstream <c>build_inputs_with_special_tokens</c>: ids0 + [gMASK] &lt;sop&gt; (+ ids1 + &lt;eop&gt;).</summary>
    public int[] BuildInputsWithSpecialTokens(int[] ids0, int[]? ids1 = null)
    {
        var result = new List<int>(ids0.Length + (ids1?.Length ?? 0) + 3);
        result.AddRange(ids0);
        result.Add(GMaskId);
        result.Add(BosId);
        if (ids1 != null)
        {
            result.AddRange(ids1);
            result.Add(EosId);
        }
        return result.ToArray();
    }

    /// <summary>
    /// <c>tokenizer(texts, padding=True)</c>'s padding step (<c>_pad</c>): left padding with &lt;pad&gt; to the longest
    /// sequence, attention mask and 2-D position ids built per row and padded.
    /// </summary>
    public PaddedBatch PadBatch(IReadOnlyList<int[]> sequences) =>
        GlmAttentionLayout.PadLeft(sequences, PadId, BosId, MaskId, GMaskId);

    /// <summary><c>tokenizer(texts, padding=True)</c>: encode with special tokens, then <see cref="PadBatch"/>.</summary>
    public PaddedBatch EncodeBatch(IReadOnlyList<string> texts) => PadBatch(texts.Select(t => Encode(t, addSpecialTokens: true)).ToArray());

    /// <summary>The mask and positions the model builds for one unpadded sequence (<c>get_masks</c>/<c>get_position_ids</c>).</summary>
    public SequenceLayout BuildModelLayout(IReadOnlyList<int> ids) => GlmAttentionLayout.ForModel(ids, BosId, MaskId, GMaskId);

    /// <summary>ChatGLM-6B <c>process_response</c> (chat() post-processing).</summary>
    public static string ProcessResponse(string response) => ChatResponse.Process(response);

    /// <summary>Upstream <c>preprocess_text</c> (remove_space / do_lower_case from the config; both off for ChatGLM-6B).</summary>
    private string PreprocessText(string text)
    {
        if (Config.RemoveSpace) text = PythonText.CollapseWhitespace(PythonText.Strip(text));
        if (Config.DoLowerCase) text = text.ToLowerInvariant();
        return text;
    }
}
