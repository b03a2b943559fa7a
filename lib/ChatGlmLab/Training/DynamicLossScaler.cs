namespace ChatGlmLab.Training;

/// <summary>
/// fp16's dynamic loss scaling (torch.cuda.amp.GradScaler's defaults): the loss is multiplied by the
/// scale before backward so small gradients survive float16; a step whose gradients overflow is
/// skipped and the scale halved; after 2000 clean steps the scale doubles. bf16 has float32's range
/// and needs none of this.
/// </summary>
public sealed class DynamicLossScaler
{
    public double Scale { get; private set; }
    public int GrowthInterval { get; }
    private int _cleanSteps;

    public DynamicLossScaler(double initialScale = 65536.0, int growthInterval = 2000)
    {
        Scale = initialScale;
        GrowthInterval = growthInterval;
    }

    /// <summary>Records the outcome of a step; returns false when the step must be skipped (non-finite gradients).</summary>
    public bool Update(bool gradientsFinite)
    {
        if (!gradientsFinite)
        {
            Scale /= 2;
            _cleanSteps = 0;
            return false;
        }
        if (++_cleanSteps >= GrowthInterval)
        {
            Scale *= 2;
            _cleanSteps = 0;
        }
        return true;
    }

    public (double Scale, int CleanSteps) State => (Scale, _cleanSteps);

    public void Restore(double scale, int cleanSteps)
    {
        Scale = scale;
        _cleanSteps = cleanSteps;
    }
}
