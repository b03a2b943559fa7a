namespace ChatGlmLab.Datasets;

/// <summary>
/// What to load, as the toolkit's arguments say it: <c>--dataset a,b</c>, <c>--dataset_dir</c>,
/// <c>--max_samples</c> (per dataset, the first n), <c>--dev_ratio</c> with a seed.
/// </summary>
public sealed record InstructionDatasetRequest(string Datasets)
{
    public string DatasetDir { get; init; } = "data";
    public int? MaxSamples { get; init; }
    public double DevRatio { get; init; }
    /// <summary>The training seed (--seed): the toolkit's dev split follows from it (see InstructionDatasetLoader.Split).</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>Skip bad records (reported) instead of failing; a SHA-1 mismatch becomes a warning.</summary>
    public bool Lenient { get; init; }
}
