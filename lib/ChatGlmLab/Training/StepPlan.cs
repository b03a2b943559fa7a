namespace ChatGlmLab.Training;

/// <summary>
/// HF's step arithmetic for a run: floor(batches / accumulation) updates per epoch (at least one), the batches of an
/// epoch that make whole updates, and max_steps / epochs from whichever of max_steps and num_train_epochs is given.
/// </summary>
internal sealed record StepPlan(int Batches, int Accumulation, int UpdatesPerEpoch, int BatchesPerEpoch, int MaxSteps, int NumEpochs)
{
    public static StepPlan For(int batches, TrainingArguments args)
    {
        if (batches <= 0) throw new InvalidOperationException("the training source has no batches");
        int accumulation = args.GradientAccumulationSteps;
        int updatesPerEpoch = Math.Max(batches / accumulation, 1);
        int batchesPerEpoch = Math.Min(batches, updatesPerEpoch * accumulation);
        int maxSteps = args.MaxSteps > 0 ? args.MaxSteps : (int)Math.Ceiling(args.NumTrainEpochs * updatesPerEpoch);
        int numEpochs = args.MaxSteps > 0 ? (maxSteps + updatesPerEpoch - 1) / updatesPerEpoch : (int)Math.Ceiling(args.NumTrainEpochs);
        return new StepPlan(batches, accumulation, updatesPerEpoch, batchesPerEpoch, maxSteps, numEpochs);
    }
}
