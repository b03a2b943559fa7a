using System.Diagnostics;
using ChatGlmLab.Datasets;

namespace ChatGlmLab.ModelInputs;

/// <summary>
/// Tokenized SFT examples cached on disk, the kit's counterpart of the toolkit's
/// <c>dataset.map(preprocess_function, load_from_cache_file=not overwrite_cache)</c>: one file per
/// <see cref="PreprocessingCacheKey"/> in <see cref="Directory"/>, named <c>sft-{kind}-{key}.bin</c>
/// (<see cref="TokenizedExampleFile"/>). A second run with the same records and settings reads the
/// file instead of tokenizing; <c>overwrite</c> (<c>--overwrite_cache</c>) rebuilds it; a file that
/// fails its checks is reported and rebuilt. Every call logs hit / miss / rebuilt, the example count
/// and the path. A cache that cannot be written (read-only folder) is logged and the examples are
/// used from memory: caching must never stop a run.
/// </summary>
public sealed class PreprocessingCache(string directory, bool overwrite = false, Action<string>? log = null)
{
    /// <summary>The default folder: beside the datasets (dataset_dir/.cache), so every run on them shares it.</summary>
    public const string DefaultFolderName = ".cache";

    public string Directory => directory;

    public string PathFor(PreprocessingCacheKey key, SftExampleKind kind) =>
        Path.Combine(directory, $"sft-{kind.ToString().ToLowerInvariant()}-{key.Hex[..32]}.bin");

    public IReadOnlyList<TokenizedExample> GetOrBuild(SupervisedPreprocessor preprocessor, IReadOnlyList<InstructionRecord> records, SftExampleKind kind)
    {
        var clock = Stopwatch.StartNew();
        var key = PreprocessingCacheKey.Compute(preprocessor, records, kind);
        var keyBytes = Convert.FromHexString(key.Hex);
        string path = PathFor(key, kind);
        string reason;
        if (overwrite)
            reason = "overwrite_cache";
        else if (!File.Exists(path))
            reason = "no cache file";
        else
        {
            try
            {
                var cached = TokenizedExampleFile.Read(path, keyBytes);
                if (cached.Count == records.Count)
                {
                    log?.Invoke($"preprocessing cache hit: {cached.Count} {Describe(kind)} examples in {clock.Elapsed.TotalSeconds:F2} s from {path}");
                    return cached;
                }
                reason = $"it holds {cached.Count} examples for {records.Count} records";
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                reason = $"unreadable ({e.Message})";
            }
            log?.Invoke($"preprocessing cache file {path} is invalid: {reason}; rebuilding it");
        }

        var examples = records.Select(r => preprocessor.For(kind, r)).ToList();
        try
        {
            TokenizedExampleFile.Write(path, keyBytes, examples);
            log?.Invoke($"preprocessing cache miss ({reason}): tokenized {examples.Count} {Describe(kind)} examples in {clock.Elapsed.TotalSeconds:F2} s, wrote {path} [{key.Description}]");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log?.Invoke($"preprocessing cache miss ({reason}): tokenized {examples.Count} {Describe(kind)} examples; could not write {path} ({e.Message}), continuing without the cache (set --cache_dir to a writable folder)");
        }
        return examples;
    }

    private static string Describe(SftExampleKind kind) => kind == SftExampleKind.Training ? "training-layout" : "evaluation-layout";
}
