namespace ChatGlmLab.Datasets;

/// <summary>Loaded records split into train and dev, with each file's report and any warnings.</summary>
public sealed record InstructionDatasetSplit(
    IReadOnlyList<InstructionRecord> Train,
    IReadOnlyList<InstructionRecord> Dev,
    IReadOnlyList<LoadReport> Reports,
    IReadOnlyList<string> Warnings);
