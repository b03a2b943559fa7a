namespace ChatGlmLab.Datasets;

/// <summary>
/// Picks the reader for a dataset_info.json file by its extension, as the toolkit does
/// (v0.1.5 src/glmtuner/dsets/loader.py, <c>ext2type = {"csv": "csv", "json": "json", "jsonl": "json"}</c>,
/// anything else fails with "File extension must be csv, json or jsonl."). The toolkit never
/// accepted <c>.txt</c> (HF's text builder would give one "text" column, not instruction records).
/// </summary>
public static class InstructionDatasetFile
{
    public static readonly IReadOnlyList<string> Extensions = [".csv", ".json", ".jsonl"];

    public static LoadResult<InstructionRecord> Read(string path, InstructionColumns? columns = null, bool lenient = false)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".csv" => InstructionCsvReader.Read(path, columns, lenient),
            ".json" or ".jsonl" => InstructionFileReader.Read(path, columns, lenient),
            _ => throw new DataFormatException(path, 0,
                $"unsupported file extension '{extension}': dataset files must be {string.Join(", ", Extensions)} (as in the Python toolkit)"),
        };
    }
}
