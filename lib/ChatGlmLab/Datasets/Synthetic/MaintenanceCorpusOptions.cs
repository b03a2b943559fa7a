namespace ChatGlmLab.Datasets.Synthetic;

/// <summary>Size, seed and shape of the synthetic maintenance corpus. The defaults make the committed data/.</summary>
public sealed record MaintenanceCorpusOptions
{
    public int TrainSentences { get; init; } = 2000;
    public int DevSentences { get; init; } = 200;
    public ulong Seed { get; init; } = 20230428;

    /// <summary>Chance that a dev slot takes a held-out word (one train never sees).</summary>
    public double DevHeldOutShare { get; init; } = 0.35;

    public int MinLength { get; init; } = 15;
    public int MaxLength { get; init; } = 60;
}
