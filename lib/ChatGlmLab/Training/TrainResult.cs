using ChatGlmLab.Adapters;

namespace ChatGlmLab.Training;

/// <summary>The loss of one optimizer update and the learning rate it was taken with.</summary>
public sealed record StepLoss(int Step, double Loss, double LearningRate);

/// <summary>What <see cref="Trainer.Train"/> returns; <see cref="Metrics"/> is what train_results.json holds.</summary>
public sealed record TrainResult
{
    public required int GlobalStep { get; init; }
    public required int MaxSteps { get; init; }
    /// <summary>Updates done by this call (fewer than GlobalStep after a resume).</summary>
    public required int StepsThisRun { get; init; }
    /// <summary>Mean loss over this run's updates.</summary>
    public required double TrainLoss { get; init; }
    /// <summary>Every update of this run, in order.</summary>
    public required IReadOnlyList<StepLoss> LossHistory { get; init; }
    public required double Seconds { get; init; }
    public required long Tokens { get; init; }
    public required double TokensPerSecond { get; init; }
    /// <summary>Peak resident memory of the process during training (VmHWM after a reset at the start).</summary>
    public required long PeakResidentBytes { get; init; }
    public required TrainableParameters TrainableParameters { get; init; }
    public string? BestModelCheckpoint { get; init; }
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    /// <summary>
    /// One line: the updates this process ran (after a resume, not those before the checkpoint), their time, mean loss
    /// and speed, and where the run stands ("5 steps in 2.1 s (steps 4-8 of 8), train_loss ...").
    /// </summary>
    public string Summary()
    {
        string range = StepsThisRun == GlobalStep ? "" : $" (steps {GlobalStep - StepsThisRun + 1}-{GlobalStep} of {MaxSteps}, resumed)";
        return $"{StepsThisRun} steps in {Seconds:F1} s{range}, train_loss {TrainLoss:F4}, {TokensPerSecond:F0} tokens/s";
    }
}

/// <summary>What <see cref="Trainer.Evaluate"/> returns; <see cref="Metrics"/> is what eval_results.json holds.</summary>
public sealed record EvalResult
{
    /// <summary>Mean per-example loss: each batch's mean loss weighted by its rows (HF's evaluation loop).</summary>
    public required double EvalLoss { get; init; }
    public required int Examples { get; init; }
    public required int Batches { get; init; }
    public required double Seconds { get; init; }
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }
}

/// <summary>Raised when the loss stops being a finite number; the last good checkpoint (if any) is kept.</summary>
public sealed class NonFiniteLossException(string message, int step, double loss, string? lastCheckpoint) : Exception(message)
{
    public int Step { get; } = step;
    public double Loss { get; } = loss;
    public string? LastCheckpoint { get; } = lastCheckpoint;
}

/// <summary>Progress after each optimizer update (for hosts that show or record it).</summary>
public sealed record TrainerStepInfo(int GlobalStep, int MaxSteps, double Loss, double LearningRate, double Epoch);
