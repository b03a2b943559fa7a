using ChatGlmLab.Datasets.Synthetic;

namespace ChatGlmLab.Datasets;

/// <summary>
/// Loads the datasets named in a request through dataset_info.json, like the toolkit's prepare_data:
/// each file read with its columns, SHA-1 verified when the registry gives one, the first
/// max_samples kept per dataset, all concatenated in the order named; then the toolkit's dev split
/// (see <see cref="Split"/>).
/// </summary>
public static class InstructionDatasetLoader
{
    public static InstructionDatasetSplit Load(InstructionDatasetRequest request)
    {
        if (request.DevRatio is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(request), $"dev_ratio must be in [0, 1), got {request.DevRatio}");
        var names = request.Datasets.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0)
            throw new ArgumentException("no dataset named (--dataset a,b)");
        var registry = DatasetRegistry.Load(Path.Combine(request.DatasetDir, DatasetRegistry.FileName));
        var all = new List<InstructionRecord>();
        var reports = new List<LoadReport>();
        var warnings = new List<string>();
        foreach (var name in names)
        {
            var entry = registry.Get(name);
            var path = ResolveFile(registry, entry, request.DatasetDir);
            if (entry.FileSha1 != null)
            {
                var actual = MaintenanceCorpusGenerator.Sha1Hex(path);
                if (!string.Equals(actual, entry.FileSha1, StringComparison.OrdinalIgnoreCase))
                {
                    var message = $"SHA-1 {actual} differs from dataset_info.json's {entry.FileSha1} for dataset '{name}'";
                    if (!request.Lenient)
                        throw new DataFormatException(path, 0, message + $" (the file changed since the registry was written): if the new file is the one you mean, set \"file_sha1\" to \"{actual}\" (or remove it) in {registry.Path}; otherwise restore the file");
                    warnings.Add($"{path}: {message}");
                }
            }
            var result = InstructionDatasetFile.Read(path, entry.Columns, request.Lenient);
            reports.Add(result.Report);
            var records = request.MaxSamples is { } max ? result.Items.Take(max) : result.Items;
            all.AddRange(records);
        }
        return Split(all, request.DevRatio, request.Seed, reports, warnings);
    }

    private static string ResolveFile(DatasetRegistry registry, DatasetEntry entry, string dir)
    {
        if (entry.FileName == null)
        {
            var where = entry.DownloadHint ?? entry.ScriptUrl ?? "(no location given)";
            throw new DataFormatException(registry.Path, 0, $"dataset '{entry.Name}' has no file_name; get it from {where}, save it in {dir} and add \"file_name\" to its entry");
        }
        var path = Path.Combine(dir, entry.FileName);
        if (!File.Exists(path))
        {
            var where = entry.DownloadHint is { } hint ? $"; download it from {hint} and save it as {path}" : "";
            throw new DataFormatException(path, 0, $"file of dataset '{entry.Name}' not found{where}");
        }
        return path;
    }

    /// <summary>
    /// The toolkit's split, record for record: <c>dataset.train_test_split(test_size=dev_ratio)</c> (v0.1.5
    /// src/glmtuner/dsets/utils.py; first in src/train_sft.py of 2023-05-19). HF datasets (2.12,
    /// arrow_dataset.py train_test_split) then draws a seed from NumPy's global state, which the toolkit had
    /// seeded with transformers.set_seed(--seed), so that seed is --seed itself, and takes
    /// <c>permutation = np.random.default_rng(seed).permutation(n)</c>: dev = its first ceil(n × dev_ratio)
    /// entries, train = the rest, both in permutation order (<see cref="NumpyDefaultRng"/>).
    /// </summary>
    public static InstructionDatasetSplit Split(IReadOnlyList<InstructionRecord> records, double devRatio, ulong seed,
        IReadOnlyList<LoadReport>? reports = null, IReadOnlyList<string>? warnings = null)
    {
        reports ??= [];
        warnings ??= [];
        if (devRatio <= 1e-6)      // the toolkit splits only when dev_ratio > 1e-6
            return new InstructionDatasetSplit(records, [], reports, warnings);
        var order = new NumpyDefaultRng(seed).Permutation(records.Count);
        var devCount = (int)Math.Ceiling(records.Count * devRatio);
        var dev = order.Take(devCount).Select(i => records[i]).ToList();
        var train = order.Skip(devCount).Select(i => records[i]).ToList();
        return new InstructionDatasetSplit(train, dev, reports, warnings);
    }
}
