using ChatGlmLab.Generation;

namespace ChatGlmLab.Experiments;

/// <summary>
/// The named settings the notebooks and <c>chatglm-lab compare --profile</c> start from, each a `with` on
/// <see cref="CompareOptions"/>' defaults (and its <see cref="BaseModelRecipe"/> and <see cref="FinetuneRecipe"/>) that
/// states only what it changes:
/// "default" — the CPU main job (the defaults); "reduced" — the test profile of the comparison;
/// "tiny" — the small CPU model and a budget of a few minutes for all notebooks together (what CI runs);
/// "chatglm-6b" — a real checkpoint directory (run on a GPU machine), all data, the comparison's methods.
/// Everything a user tweaks afterwards is a `with` on the returned options.
/// </summary>
public static class ExperimentProfile
{
    public const string Tiny = "tiny";
    public const string Reduced = "reduced";
    public const string Default = "default";
    public const string ChatGlm6B = "chatglm-6b";
    public static readonly string[] Names = [Tiny, Reduced, Default, ChatGlm6B];

    /// <param name="modelNameOrPath">A checkpoint directory to run on; required for "chatglm-6b"; null with the other profiles builds the small model.</param>
    /// <param name="baseModelCacheDir">Where the small base model is cached; share one folder between runs so it is built once.</param>
    public static CompareOptions Options(string profile, string outputDir, string dataDir = "data", string? modelNameOrPath = null, string? baseModelCacheDir = null)
    {
        var options = profile switch
        {
            Tiny => TinyOptions(),
            Reduced => ReducedOptions(),
            Default => new CompareOptions(),
            ChatGlm6B => new CompareOptions
            {
                ModelNameOrPath = string.IsNullOrWhiteSpace(modelNameOrPath)
                    ? throw new ArgumentException("profile chatglm-6b needs the checkpoint directory (model_name_or_path)")
                    : modelNameOrPath,
                TrainSentences = 0, DevSentences = 0,   // a real model on a GPU: all the data
            },
            _ => throw new ArgumentException($"unknown profile '{profile}'; valid: {string.Join(", ", Names)}"),
        };
        return options with
        {
            OutputDir = outputDir, DataDir = dataDir, BaseModelCacheDir = baseModelCacheDir,
            ModelNameOrPath = string.IsNullOrWhiteSpace(modelNameOrPath) ? options.ModelNameOrPath : modelNameOrPath,
        };
    }

    /// <summary>
    /// A few-minute profile for tests: the default model with fewer sentences and steps, same pipeline (a smaller model
    /// trained this briefly leaves the adapters no better than the base model, which would test nothing).
    /// </summary>
    private static CompareOptions ReducedOptions()
    {
        var defaults = new CompareOptions();
        return defaults with
        {
            TrainSentences = 120,
            BaseModel = defaults.BaseModel with { Steps = 600 },
            Finetune = defaults.Finetune with { Steps = 300 },
            Generation = new GenerationOptions { MaxNewTokens = 24 },   // the NER answers are short
        };
    }

    /// <summary>
    /// Small enough that all eight notebooks run in a few minutes on 2 cores, on the same pipeline as the others: a
    /// smaller model and budget than "reduced" (its models barely move off the base model; it checks the pipeline, not the methods).
    /// </summary>
    private static CompareOptions TinyOptions()
    {
        var reduced = ReducedOptions();
        return reduced with
        {
            TrainSentences = 40, DevSentences = 4,
            BaseModel = reduced.BaseModel with { HiddenSize = 64, NumLayers = 2, NumHeads = 2, InnerHiddenSize = 256, Steps = 120, BatchSize = 16 },
            Finetune = reduced.Finetune with { Steps = 24, BatchSize = 4 },
            Generation = new GenerationOptions { MaxNewTokens = 16 },
        };
    }
}
