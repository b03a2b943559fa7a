namespace ChatGlmLab.Training;

/// <summary>
/// Learning-rate multipliers with the formulas of transformers' optimization.py (the lr_lambda of
/// get_linear/cosine/constant(_with_warmup)_schedule). <c>step</c> counts optimizer updates already
/// done, so update k (1-based) uses Multiplier(k - 1), and the rate logged after update k is Multiplier(k).
/// </summary>
public sealed class LearningRateSchedule
{
    public string Type { get; }
    public double BaseLearningRate { get; }
    public int WarmupSteps { get; }
    public int TotalSteps { get; }

    public LearningRateSchedule(string type, double baseLearningRate, int warmupSteps, int totalSteps)
    {
        if (type is not ("linear" or "cosine" or "constant" or "constant_with_warmup"))
            throw new ArgumentException($"unknown lr_scheduler_type '{type}'");
        Type = type;
        BaseLearningRate = baseLearningRate;
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
    }

    public static LearningRateSchedule For(TrainingArguments args, int totalSteps) =>
        new(args.LrSchedulerType, args.LearningRate, args.WarmupStepsFor(totalSteps), totalSteps);

    public double LearningRateAt(int step) => BaseLearningRate * Multiplier(step);

    public double Multiplier(int step) => Type switch
    {
        "linear" => step < WarmupSteps
            ? (double)step / Math.Max(1, WarmupSteps)
            : Math.Max(0.0, (double)(TotalSteps - step) / Math.Max(1, TotalSteps - WarmupSteps)),
        "cosine" => step < WarmupSteps
            ? (double)step / Math.Max(1, WarmupSteps)
            : Cosine(step),
        // HF's plain "constant" ignores warmup; constant_with_warmup ramps first.
        "constant" => 1.0,
        "constant_with_warmup" => step < WarmupSteps ? step / Math.Max(1.0, WarmupSteps) : 1.0,
        _ => throw new InvalidOperationException(Type),
    };

    /// <summary>Half a cosine wave (num_cycles = 0.5) from 1 down to 0 over the steps after warmup.</summary>
    private double Cosine(int step)
    {
        const double numCycles = 0.5;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * numCycles * 2.0 * progress)));
    }
}
