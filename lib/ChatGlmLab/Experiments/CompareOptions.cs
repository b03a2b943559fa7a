using ChatGlmLab.Adapters;
using ChatGlmLab.Generation;

namespace ChatGlmLab.Experiments;

/// <summary>
/// Settings of the LoRA vs P-Tuning v2 vs Freeze (vs full) comparison. The defaults are the main job:
/// the bundled synthetic maintenance corpus, a small ChatGLM-architecture base model built and
/// pretrained on its text (cached), the same fine-tuning budget for every method, greedy decoding.
/// Set <see cref="ModelNameOrPath"/> to run the same comparison on a real checkpoint (e.g. chatglm-6b on a GPU).
/// </summary>
public sealed record CompareOptions
{
    public string DataDir { get; init; } = "data";
    public string TrainFile { get; init; } = "maintenance/train.ner.jsonl";
    public string DevFile { get; init; } = "maintenance/dev.ner.jsonl";
    public string OutputDir { get; init; } = "runs/compare";

    /// <summary>A real base model directory; null = build and pretrain the small CPU model.</summary>
    public string? ModelNameOrPath { get; init; }
    /// <summary>Where the small base model is cached (default: OutputDir/base-model).</summary>
    public string? BaseModelCacheDir { get; init; }

    /// <summary>Sentences of the train file fine-tuned on (their 3-turn records), 0 = all.</summary>
    public int TrainSentences { get; init; } = 240;
    /// <summary>Dev sentences evaluated (gold-history records and cascade), 0 = all.</summary>
    public int DevSentences { get; init; } = 40;

    // The small base model (ignored with ModelNameOrPath).
    public int HiddenSize { get; init; } = 192;
    public int NumLayers { get; init; } = 3;
    public int NumHeads { get; init; } = 3;
    public int InnerHiddenSize { get; init; } = 768;
    public int PretrainSteps { get; init; } = 1600;
    public int PretrainBatchSize { get; init; } = 32;
    public double PretrainLearningRate { get; init; } = 2e-3;
    /// <summary>With the bundled corpus: further unlabelled sentences from its generator over the whole lexicon,
    /// pretrained on beside the train sentences (0 = the train sentences only).</summary>
    public int PretrainingSentences { get; init; } = 4000;

    // Fine-tuning budget, identical for every method.
    public int FinetuneSteps { get; init; } = 600;
    public int BatchSize { get; init; } = 8;
    public bool Bf16 { get; init; } = true;
    /// <summary>Where the compared models train and predict: "cpu", or "cuda" / "cuda:N" with the TorchBackend=cuda build
    /// (the small base model is always built on the CPU).</summary>
    public string Device { get; init; } = "cpu";
    /// <summary><see cref="Device"/> as a torch device, for loading models (a method: the record's printed form stays its settings).</summary>
    public TorchSharp.torch.Device TorchDevice() => TorchSharp.torch.device(Device);
    public int Seed { get; init; } = 42;
    public int MaxSourceLength { get; init; } = 512;
    public int MaxTargetLength { get; init; } = 64;

    /// <summary>Methods compared, each with its learning rate (adapters need larger ones than full fine-tuning).</summary>
    public IReadOnlyList<(FinetuningOptions Method, double LearningRate)> Methods { get; init; } =
    [
        (FinetuningOptions.For(FinetuningType.Lora) with { LoraRank = 8, LoraAlpha = 32, LoraTarget = "query_key_value,dense_h_to_4h" }, 5e-3),
        (FinetuningOptions.For(FinetuningType.PTuning) with { PreSeqLen = 16, PrefixProjection = true }, 5e-3),
        (FinetuningOptions.For(FinetuningType.Freeze) with { NumLayerTrainable = 2 }, 3e-3),
        (FinetuningOptions.For(FinetuningType.Full), 1e-3),
    ];

    public GenerationOptions Generation { get; init; } = new() { MaxNewTokens = 48, DoSample = false };
    public int EvalBatchSize { get; init; } = 32;

    /// <summary>
    /// A few-minute profile for tests: the default model with fewer sentences and steps, same pipeline (a smaller model
    /// trained this briefly leaves the adapters no better than the base model, which would test nothing).
    /// </summary>
    public static CompareOptions Reduced(string outputDir) => new()
    {
        OutputDir = outputDir,
        TrainSentences = 120, DevSentences = 40,
        PretrainSteps = 600, FinetuneSteps = 300,
        Generation = new GenerationOptions { MaxNewTokens = 24 },
    };
}
