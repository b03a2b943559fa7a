using ChatGlmLab.Datasets;
using ChatGlmLab.Tasks.Ner;

namespace ChatGlmLab.Experiments;

/// <summary>
/// The fine-tuning budget and schedule every compared method gets (the same for all, so the columns are comparable),
/// and the methods. <see cref="MethodRun"/> trains with it; the defaults are the "default" profile's, the other
/// profiles (<see cref="ExperimentProfile"/>) state only what they change.
/// </summary>
public sealed record FinetuneRecipe
{
    // Checked when set (as TurnMix's weights are), so a bad budget fails where it is written, not after minutes of work.
    /// <summary>Optimizer steps per method, 1 or more.</summary>
    public int Steps { get; init => field = value >= 1 ? value : throw new ArgumentException($"FinetuneRecipe.Steps = {value}: the steps per method are 1 or more"); } = 1000;
    /// <summary>Records per step, 1 or more.</summary>
    public int BatchSize { get; init => field = value >= 1 ? value : throw new ArgumentException($"FinetuneRecipe.BatchSize = {value}: a batch holds 1 record or more"); } = 8;
    public string LrSchedulerType { get; init; } = "cosine";
    /// <summary>The share of the steps the learning rate warms up over, 0 to 1.</summary>
    public double WarmupRatio { get; init => field = value is >= 0 and <= 1 ? value : throw new ArgumentException($"FinetuneRecipe.WarmupRatio = {value}: the warmup is a share of the steps, 0 to 1"); } = 0.05;
    /// <summary>Loss records per run (the loss curves' points).</summary>
    public int LogPoints { get; init; } = 20;
    /// <summary>bf16 compute with fp32 master weights in training, bf16 weights in evaluation (every column, the base
    /// model's too, is evaluated in the same precision); false: float32 throughout. Null (the default): bf16 where the
    /// hardware computes it (<see cref="Runtime.BFloat16Support"/>: CUDA, or a CPU with bf16 instructions), float32
    /// elsewhere, where bf16 would make the run slower, not faster. <see cref="CompareOptions.ComputesInBf16"/> decides.</summary>
    public bool? Bf16 { get; init; }
    /// <summary>The methods compared, in column order (after the base model).</summary>
    public IReadOnlyList<MethodRecipe> Methods { get; init; } = ComparedMethods.All;
    /// <summary>
    /// How many times each turn's records are fine-tuned on (<see cref="TurnMix"/>; 1, 1, 1 = the seed's files as they are).
    /// A quarter of the position records: counting characters is the turn the small model does not learn, and taken
    /// as they are they were two thirds of the answer tokens. Full fine-tuning of the previous base model, 1,500 steps:
    /// grounded entity F1 47.2 on turns 1 and 2 only, against 25.3 on every record (measured on AMD EPYC). Every turn-1
    /// record twice (the shipped model, three seeds) moved each method by less than the seeds' spread, and with a tenth of
    /// the position records P-Tuning v2 failed in every seed (docs/findings.md).
    /// </summary>
    public TurnMix Turns { get; init; } = new(1, 1, 0.25);

    /// <summary>The records fine-tuned on, in order: each record as many times as its turn's weight says (<see cref="TurnMix.Copies"/>), drawn with the seed.</summary>
    public IReadOnlyList<InstructionRecord> RecordsToTrain(IEnumerable<NerInstructionRecord> records, int seed)
    {
        var random = new Random(seed);
        return records.SelectMany(r => Enumerable.Repeat(r.Record, Turns.Copies(r.Turn, random))).ToList();
    }
}
