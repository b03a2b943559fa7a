using System.Globalization;
using System.Text.RegularExpressions;

namespace ChatGlmLab.Training;

/// <summary>
/// The checkpoint-&lt;step&gt; folders of an output directory. A checkpoint is written into a hidden
/// temporary folder and renamed into place only when every file is there, so a crash mid-write never
/// produces a checkpoint-&lt;step&gt; folder that resume would pick; leftovers are removed on the next save.
/// </summary>
public static partial class TrainingCheckpoints
{
    public const string Prefix = "checkpoint-";
    private const string TempPrefix = ".tmp-" + Prefix;

    [GeneratedRegex(@"^checkpoint-(\d+)$")]
    private static partial Regex CheckpointName();

    /// <summary>Complete checkpoints (those holding trainer_state.json), oldest first.</summary>
    public static IReadOnlyList<(int Step, string Dir)> List(string outputDir)
    {
        if (!Directory.Exists(outputDir)) return [];
        return Directory.GetDirectories(outputDir)
            .Select(d => (Dir: d, Match: CheckpointName().Match(Path.GetFileName(d))))
            .Where(x => x.Match.Success && File.Exists(Path.Combine(x.Dir, TrainerState.FileName)))
            .Select(x => (Step: int.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture), x.Dir))
            .OrderBy(x => x.Step)
            .ToList();
    }

    public static string? Latest(string outputDir) => List(outputDir).Select(c => c.Dir).LastOrDefault();

    public static string PathFor(string outputDir, int step) => Path.Combine(outputDir, Prefix + step.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Writes checkpoint-&lt;step&gt; atomically: each of <paramref name="parts"/> writes its file into a temporary folder
    /// (its Write is given the folder's path), which is then renamed. <paramref name="afterFile"/> is a test hook called
    /// with each file name as it is completed.
    /// </summary>
    public static string Write(string outputDir, int step, IReadOnlyList<(string File, Action<string> Write)> parts, Action<string>? afterFile = null)
    {
        RemoveIncomplete(outputDir);
        string final = PathFor(outputDir, step);
        string temp = Path.Combine(outputDir, TempPrefix + step.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(temp);
        foreach (var (file, write) in parts)
        {
            write(temp);
            afterFile?.Invoke(file);
        }
        // Replacing an existing checkpoint of the same step: move the old one aside first, so there is
        // never a moment with neither a complete old nor a complete new folder under the final name.
        if (Directory.Exists(final))
        {
            string old = Path.Combine(outputDir, TempPrefix + step + "-old");
            Directory.Move(final, old);
            Directory.Move(temp, final);
            Directory.Delete(old, recursive: true);
        }
        else
            Directory.Move(temp, final);
        return final;
    }

    /// <summary>Deletes temporary folders left by an interrupted save.</summary>
    public static void RemoveIncomplete(string outputDir)
    {
        if (!Directory.Exists(outputDir)) return;
        foreach (var dir in Directory.GetDirectories(outputDir, TempPrefix + "*"))
            Directory.Delete(dir, recursive: true);
    }

    /// <summary>
    /// save_total_limit: deletes the oldest checkpoints beyond the limit, never the best one (HF's
    /// rotation: the best is moved just before the newest; with limit 1 and a best that is not the
    /// newest, two are kept so training can still resume from the newest).
    /// </summary>
    public static IReadOnlyList<string> Rotate(string outputDir, int? limit, string? bestCheckpoint)
    {
        if (limit is null) return [];
        var dirs = List(outputDir).Select(c => c.Dir).ToList();
        string? best = bestCheckpoint is null ? null : dirs.FirstOrDefault(d => SamePath(d, bestCheckpoint));
        if (best != null && dirs.Count >= 2)
        {
            dirs.Remove(best);
            dirs.Insert(dirs.Count - 1, best);
        }
        int keep = limit.Value;
        if (keep == 1 && best != null && !SamePath(dirs[^1], best)) keep = 2;
        var deleted = dirs.Take(Math.Max(0, dirs.Count - keep)).ToList();
        foreach (var dir in deleted) Directory.Delete(dir, recursive: true);
        return deleted;
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.GetFullPath(a).TrimEnd('/'), Path.GetFullPath(b).TrimEnd('/'), StringComparison.Ordinal);
}
