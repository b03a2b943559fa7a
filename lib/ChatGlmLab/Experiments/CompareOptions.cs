using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Generation;
using ChatGlmLab.Taggers;
using ChatGlmLab.Tasks.Ner;

namespace ChatGlmLab.Experiments;

/// <summary>
/// Settings of the LoRA vs P-Tuning v2 vs Freeze (vs full) comparison: the data, the base model (a real checkpoint, or
/// the small CPU model made by <see cref="BaseModel"/>), the fine-tuning (<see cref="Finetune"/>: the same budget for
/// every method, and the methods), greedy decoding, the reference tagger (<see cref="Tagger"/>). The defaults are the main job ("default" profile); the other
/// profiles (<see cref="ExperimentProfile"/>) are a `with` on them. The CLI's `compare` and the notebooks both start here.
/// </summary>
public sealed record CompareOptions
{
    public string DataDir { get; init; } = "data";
    public string TrainFile { get; init; } = "maintenance/train.ner.jsonl";
    public string DevFile { get; init; } = "maintenance/dev.ner.jsonl";
    /// <summary>The train and dev files' format (<see cref="NerCorpusFormat"/>: ner_json, cluener, ...).</summary>
    public string CorpusFormat { get; init; } = NerCorpusFormat.NerJson;
    /// <summary>The 3-turn questions' wording and label set (the corpus's entity types; the tagger tags the same types).</summary>
    public NerInstructionOptions Instructions { get; init; } = NerInstructionOptions.Article;
    public string OutputDir { get; init; } = "runs/compare";

    /// <summary>A real base model directory; null = build and pretrain the small CPU model (<see cref="BaseModel"/>).</summary>
    public string? ModelNameOrPath { get; init; }
    /// <summary>Where the small base model is cached (default: OutputDir/base-model).</summary>
    public string? BaseModelCacheDir { get; init; }

    /// <summary>Sentences of the train file fine-tuned on (their 3-turn records), 0 = all.</summary>
    public int TrainSentences { get; init; } = 240;
    /// <summary>Dev sentences evaluated (gold-history records and cascade), 0 = all.</summary>
    public int DevSentences { get; init; } = 40;

    /// <summary>How the small base model is built (ignored with <see cref="ModelNameOrPath"/>).</summary>
    public BaseModelRecipe BaseModel { get; init; } = new();
    /// <summary>The methods and the budget each is fine-tuned with.</summary>
    public FinetuneRecipe Finetune { get; init; } = new();
    /// <summary>The reference BiLSTM-CRF tagger trained on the same train sentences (its shape and budget; Epochs 0 leaves it out).</summary>
    public TaggerOptions Tagger { get; init; } = new();
    /// <summary>Published entity F1 on the same benchmark, printed beside the table (none for the bundled corpus).</summary>
    public IReadOnlyList<PublishedResult> PublishedResults { get; init; } = [];

    /// <summary>Where the compared models train and predict: "cpu", or "cuda" / "cuda:N" with the TorchBackend=cuda build
    /// (the small base model is always built on the CPU).</summary>
    public string Device { get; init; } = "cpu";
    /// <summary><see cref="Device"/> as a torch device, for loading models (a method: the record's printed form stays its settings);
    /// a name that is not a device, or CUDA where this process has none, is an <see cref="ArgumentException"/> saying what to give.</summary>
    public TorchSharp.torch.Device TorchDevice() => Runtime.ComputeDevice.Parse(Device);

    /// <summary>Whether the fine-tuning and evaluation compute in bf16: <see cref="FinetuneRecipe.Bf16"/> when it is set,
    /// else whether <see cref="Device"/> computes bf16 in hardware (<see cref="Runtime.BFloat16Support.IsNative"/>).</summary>
    public bool ComputesInBf16() => Finetune.Bf16 ?? Runtime.BFloat16Support.IsNative(TorchDevice().type);

    /// <summary>The compute type <see cref="ComputesInBf16"/> gives, for the run's log and report (saying why when the device decided float32).</summary>
    public string ComputeDescription() =>
        ComputesInBf16() ? "bf16 compute, fp32 master weights" : Finetune.Bf16 is null ? "fp32 (this CPU has no bf16 instructions)" : "fp32";

    /// <summary>Seeds every fine-tuning run, the draw of the records it trains on and the tagger; the small base model has
    /// its own (<see cref="BaseModelRecipe.Seed"/>), so another seed here fine-tunes the same base model.</summary>
    public int Seed { get; init; } = 42;
    public int MaxSourceLength { get; init; } = 512;
    public int MaxTargetLength { get; init; } = 64;

    public GenerationOptions Generation { get; init; } = new() { MaxNewTokens = 48, DoSample = false };
    public int EvalBatchSize { get; init; } = 32;

    /// <summary>Where the small base model is cached (<see cref="BaseModelCacheDir"/>, or OutputDir/base-model).</summary>
    public string BaseModelCacheFolder() => BaseModelCacheDir ?? Path.Combine(OutputDir, "base-model");

    /// <summary>Where a small base model shipped in the repository is looked for (null: DataDir/base-model, the bundled
    /// corpus's); it is used when it was built for these options' recipe, seed and data.</summary>
    public string? ShippedBaseModelDir { get; init; }

    /// <summary>The shipped base model's folder (<see cref="ShippedBaseModelDir"/>, or DataDir/base-model).</summary>
    public string ShippedBaseModelFolder() => ShippedBaseModelDir ?? Path.Combine(DataDir, "base-model");
}
