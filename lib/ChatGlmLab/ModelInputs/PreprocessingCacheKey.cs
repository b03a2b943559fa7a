using System.Security.Cryptography;
using System.Text;
using ChatGlmLab.Datasets;
using ChatGlmLab.Tokenization;

namespace ChatGlmLab.ModelInputs;

/// <summary>
/// What a cache of tokenized examples is keyed by: SHA-256 over everything that shapes the output.
/// <list type="bullet">
/// <item>the records themselves (every instruction, input, output and history turn, in order) — so the
/// dataset files' content, dataset_info.json's column mapping, max_samples, the dev split and
/// max_eval_samples are all covered, including changes the file bytes alone would not show;</item>
/// <item>the tokenizer: SHA-256 of its SentencePiece model file and its tokenizer_config.json settings;</item>
/// <item>the SFT options: template, max_source_length, max_target_length, keep-sop; and the layout kind;</item>
/// <item>the build of this library (its module version id, which a deterministic build changes only when
/// the code changes), so a fix to preprocessing or tokenization never reads examples made by old code.</item>
/// </list>
/// Strings are length-prefixed before hashing so that no two different inputs hash the same bytes.
/// </summary>
public sealed record PreprocessingCacheKey(string Hex, string Description)
{
    public const int FormatVersion = 2;

    public static PreprocessingCacheKey Compute(SupervisedPreprocessor preprocessor, IReadOnlyList<InstructionRecord> records, SftExampleKind kind)
    {
        var options = preprocessor.Options;
        var tokenizer = preprocessor.Tokenizer;
        string tokenizerHash = TokenizerModelHash(tokenizer);
        string recordsHash = RecordsHash(records);
        var description =
            $"format {FormatVersion}; kind {kind}; records {records.Count} ({recordsHash[..16]}); " +
            $"tokenizer {Path.GetFileName(tokenizer.Sp.ModelPath)} sha256 {tokenizerHash[..16]}; template {options.Template}; " +
            $"max_source_length {options.MaxSourceLength}; max_target_length {options.MaxTargetLength}; keep_sop_label {options.KeepSopLabel}";

        // The description is for people (it names the model file); the key hashes only what shapes the ids.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string s) => AppendLengthPrefixed(hash, s);
        Add($"format {FormatVersion}");
        Add(kind.ToString());
        Add(recordsHash);
        Add(tokenizerHash);
        Add(tokenizer.Config.ToString());     // a record: every setting by name and value
        Add(options.ToString());              // template, max_source_length, max_target_length, keep-sop
        Add(typeof(SupervisedPreprocessor).Assembly.ManifestModule.ModuleVersionId.ToString());
        return new PreprocessingCacheKey(Convert.ToHexStringLower(hash.GetHashAndReset()), description);
    }

    /// <summary>SHA-256 of the records' content, in order.</summary>
    public static string RecordsHash(IReadOnlyList<InstructionRecord> records)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string s) => AppendLengthPrefixed(hash, s);
        foreach (var r in records)
        {
            Add(r.Instruction);
            Add(r.Input);
            Add(r.Output);
            Add(r.History.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var (q, a) in r.History) { Add(q); Add(a); }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The UTF-8 bytes of <paramref name="s"/> after their length (int32), so no two sequences of strings hash the same bytes.</summary>
    private static void AppendLengthPrefixed(IncrementalHash hash, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        Span<byte> length = stackalloc byte[4];
        BitConverter.TryWriteBytes(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }

    /// <summary>SHA-256 of the tokenizer's model file (read again: the tokenizer keeps only its parsed form).</summary>
    public static string TokenizerModelHash(ChatGlmTokenizer tokenizer)
    {
        using var stream = File.OpenRead(tokenizer.Sp.ModelPath);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
