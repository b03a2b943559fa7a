using ChatGlmLab.Generation;

namespace ChatGlmLab.Experiments;

/// <summary>
/// The named settings the notebooks (and <c>chatglm-lab compare --profile</c>) start from:
/// "tiny" — the small CPU model and a budget of a few minutes for all notebooks together (what CI runs);
/// "reduced" — the test profile of the comparison; "default" — the CPU main job;
/// "chatglm-6b" — a real checkpoint directory (run on a GPU machine), all data, the comparison's methods.
/// Everything a user tweaks afterwards is a `with` on the returned <see cref="CompareOptions"/>.
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
            Tiny => CompareOptions.Reduced(outputDir) with
            {
                // Small enough that all eight notebooks run in a few minutes on 2 cores; same pipeline as the others.
                TrainSentences = 40, DevSentences = 4, FinetuneSteps = 24, BatchSize = 4, PretrainSteps = 120, PretrainBatchSize = 16,
                HiddenSize = 64, NumLayers = 2, NumHeads = 2, InnerHiddenSize = 256,
                Generation = new GenerationOptions { MaxNewTokens = 16 },
            },
            Reduced => CompareOptions.Reduced(outputDir),
            Default => new CompareOptions { OutputDir = outputDir },
            ChatGlm6B => new CompareOptions
            {
                OutputDir = outputDir,
                ModelNameOrPath = string.IsNullOrWhiteSpace(modelNameOrPath)
                    ? throw new ArgumentException("profile chatglm-6b needs the checkpoint directory (model_name_or_path)")
                    : modelNameOrPath,
                TrainSentences = 0, DevSentences = 0,
            },
            _ => throw new ArgumentException($"unknown profile '{profile}'; valid: {string.Join(", ", Names)}"),
        };
        return options with
        {
            DataDir = dataDir, BaseModelCacheDir = baseModelCacheDir ?? options.BaseModelCacheDir,
            ModelNameOrPath = string.IsNullOrWhiteSpace(modelNameOrPath) ? options.ModelNameOrPath : modelNameOrPath,
        };
    }
}
