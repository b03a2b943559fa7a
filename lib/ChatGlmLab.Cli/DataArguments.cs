using System.Text.Json.Serialization;
using ChatGlmLab.ModelInputs;
using ChatGlmLab.Tokenization;

namespace ChatGlmLab.Cli;

/// <summary>
/// The Python toolkit's DataArguments (v0.1.x names and defaults) that the kit has no record for:
/// which datasets to read and how records become model inputs.
/// </summary>
public sealed record DataArguments
{
    /// <summary>dataset_info.json names, comma separated.</summary>
    [JsonPropertyName("dataset")] public string? Dataset { get; init; }
    /// <summary>Folder holding dataset_info.json and the dataset files.</summary>
    [JsonPropertyName("dataset_dir")] public string DatasetDir { get; init; } = "data";
    /// <summary>The first n records of each dataset (the seed spells it max_train_samples, accepted as an alias).</summary>
    [JsonPropertyName("max_samples")] public int? MaxSamples { get; init; }
    /// <summary>Part of the data held out as the dev split for do_eval / do_predict during training.</summary>
    [JsonPropertyName("dev_ratio")] public double DevRatio { get; init; }
    /// <summary>Prompt tokens kept per example (longer prompts are cut).</summary>
    [JsonPropertyName("max_source_length")] public int MaxSourceLength { get; init; } = 512;
    /// <summary>Answer tokens kept per example (longer answers are cut).</summary>
    [JsonPropertyName("max_target_length")] public int MaxTargetLength { get; init; } = 512;
    /// <summary>Rebuild the cached tokenized examples instead of reading them (the toolkit's load_from_cache_file=False).</summary>
    [JsonPropertyName("overwrite_cache")] public bool OverwriteCache { get; init; }
    /// <summary>Where tokenized examples are cached; default dataset_dir/.cache, shared by every run on those datasets.</summary>
    [JsonPropertyName("cache_dir")] public string? CacheDir { get; init; }
    /// <summary>chatglm (chat()'s layout) or chatglm-cet (toolkit v0.1.5's).</summary>
    [JsonPropertyName("prompt_template")] public string PromptTemplate { get; init; } = Tokenization.PromptTemplate.ChatGlmName;
    /// <summary>Predict by generating answers (the only way this kit predicts).</summary>
    [JsonPropertyName("predict_with_generate")] public bool PredictWithGenerate { get; init; }
    /// <summary>The first n records of the evaluation / prediction set.</summary>
    [JsonPropertyName("max_eval_samples")] public int? MaxEvalSamples { get; init; }

    public string PreprocessingCacheDir => CacheDir ?? Path.Combine(DatasetDir, PreprocessingCache.DefaultFolderName);

    public SftOptions ToSftOptions() => new() { MaxSourceLength = MaxSourceLength, MaxTargetLength = MaxTargetLength, Template = PromptTemplate };

    public void Validate()
    {
        if (MaxSamples is <= 0) throw new CliUsageException("--max_samples must be at least 1");
        if (MaxEvalSamples is <= 0) throw new CliUsageException("--max_eval_samples must be at least 1");
        if (DevRatio is < 0 or >= 1) throw new CliUsageException($"--dev_ratio must be in [0, 1), got {DevRatio}");
        // The source keeps [gMASK] <sop>, the target <eop> (or [gMASK] <sop> as evaluation labels).
        if (MaxSourceLength < 3) throw new CliUsageException("--max_source_length must be at least 3");
        if (MaxTargetLength < 3) throw new CliUsageException("--max_target_length must be at least 3");
        if (!Tokenization.PromptTemplate.Names.Contains(PromptTemplate))
            throw new CliUsageException($"--prompt_template '{PromptTemplate}' is not one of {string.Join(", ", Tokenization.PromptTemplate.Names)}");
    }
}
