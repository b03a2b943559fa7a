using System.Text;

namespace ChatGlmLab.Datasets;

/// <summary>One record a lenient reader left out, with where it was and why.</summary>
public sealed record SkippedRecord(int Line, string Reason);

/// <summary>
/// What a reader did with one file: how many records it read and kept, which it skipped and why
/// (lenient mode only; strict mode throws instead), and notes about inputs it accepted but had to
/// interpret (e.g. a one-element history pair). Nothing is dropped without appearing here.
/// </summary>
public sealed class LoadReport
{
    private readonly List<SkippedRecord> _skipped = new();
    private readonly Dictionary<string, int> _notes = new(StringComparer.Ordinal);

    public LoadReport(string filePath) => FilePath = filePath;

    public string FilePath { get; }

    /// <summary>Records seen in the file (kept + skipped).</summary>
    public int RecordsRead { get; private set; }

    public int RecordsKept { get; private set; }

    public IReadOnlyList<SkippedRecord> Skipped => _skipped;

    public int RecordsSkipped => _skipped.Count;

    /// <summary>Counts of accepted-but-interpreted inputs, by description.</summary>
    public IReadOnlyDictionary<string, int> Notes => _notes;

    internal void Kept() { RecordsRead++; RecordsKept++; }

    internal void Skip(int line, string reason)
    {
        RecordsRead++;
        _skipped.Add(new SkippedRecord(line, reason));
    }

    internal void Note(string description, int count = 1)
    {
        _notes.TryGetValue(description, out var n);
        _notes[description] = n + count;
    }

    /// <summary>Skipped-record counts grouped by their exact reason text.</summary>
    public IReadOnlyDictionary<string, int> SkipReasonCounts() =>
        _skipped.GroupBy(s => s.Reason).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>A human-readable end-of-load summary (what lenient mode prints).</summary>
    public string Summary(int maxListed = 20)
    {
        var sb = new StringBuilder();
        sb.Append($"{FilePath}: read {RecordsRead}, kept {RecordsKept}, skipped {RecordsSkipped}");
        foreach (var s in _skipped.Take(maxListed))
            sb.Append('\n').Append("  skipped ").Append(DataFormatException.Format(FilePath, s.Line, s.Reason));
        if (_skipped.Count > maxListed)
            sb.Append($"\n  ... and {_skipped.Count - maxListed} more skipped");
        foreach (var (note, count) in _notes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            sb.Append($"\n  note: {note}: {count}");
        return sb.ToString();
    }

    public override string ToString() => Summary();
}
