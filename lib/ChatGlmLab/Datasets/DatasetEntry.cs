namespace ChatGlmLab.Datasets;

/// <summary>
/// One dataset_info.json entry, in the toolkit's field names: <c>file_name</c> (relative to the
/// dataset dir), optional <c>file_sha1</c>, <c>hf_hub_url</c> / <c>script_url</c> (where the toolkit
/// itself would fetch it), <c>columns</c>. The kit adds <c>source_url</c> (a page a user can download
/// the file from) and <c>description</c>; the toolkit ignores unknown fields.
/// </summary>
public sealed record DatasetEntry(string Name)
{
    public string? FileName { get; init; }
    public string? FileSha1 { get; init; }
    public string? HfHubUrl { get; init; }
    public string? ScriptUrl { get; init; }
    public string? SourceUrl { get; init; }
    public string? Description { get; init; }
    public InstructionColumns Columns { get; init; } = InstructionColumns.Default;

    /// <summary>Where a user can get the file, for error messages.</summary>
    public string? DownloadHint =>
        SourceUrl ?? (HfHubUrl != null ? $"https://huggingface.co/datasets/{HfHubUrl}" : null);
}
