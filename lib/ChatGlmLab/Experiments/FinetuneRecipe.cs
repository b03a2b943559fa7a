namespace ChatGlmLab.Experiments;

/// <summary>
/// The fine-tuning budget and schedule every compared method gets (the same for all, so the columns are comparable),
/// and the methods. <see cref="MethodRun"/> trains with it; the defaults are the "default" profile's, the other
/// profiles (<see cref="ExperimentProfile"/>) state only what they change.
/// </summary>
public sealed record FinetuneRecipe
{
    public int Steps { get; init; } = 600;
    public int BatchSize { get; init; } = 8;
    public string LrSchedulerType { get; init; } = "cosine";
    public double WarmupRatio { get; init; } = 0.05;
    /// <summary>Loss records per run (the loss curves' points).</summary>
    public int LogPoints { get; init; } = 20;
    /// <summary>bf16 compute with fp32 master weights in training, bf16 weights in evaluation (every column, the base
    /// model's too, is evaluated in the same precision).</summary>
    public bool Bf16 { get; init; } = true;
    /// <summary>The methods compared, in column order (after the base model).</summary>
    public IReadOnlyList<MethodRecipe> Methods { get; init; } = ComparedMethods.All;
}
