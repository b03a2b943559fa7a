namespace ChatGlmLab.Runtime;

/// <summary>
/// The rules for where a run may write, shared by data conversion, training, pretraining and export:
/// <list type="bullet">
/// <item>an output directory that exists and is not empty is written into only when the user says so (HF's
/// <c>overwrite_output_dir</c>);</item>
/// <item>an output directory must be a folder or not exist yet: not a file, and not under a file;</item>
/// <item>an output must not be an input. Paths are compared as the file system sees them (<see cref="RealPath(string)"/>):
/// "m/base/" and a symlink to m/base are m/base, so the merged weights of an export cannot replace the base model's. An
/// output folder that is replaced whole must not hold an input either (<see cref="SameOrInside"/>).</item>
/// </list>
/// Each rule returns why it refuses (naming the arguments, the paths and what to do) or null, so the library throws its
/// own exception and the CLI reports a usage error (exit 2) with the same words.
/// </summary>
public static class OutputDirectory
{
    /// <summary>True when <paramref name="dir"/> exists and holds anything.</summary>
    public static bool HasContent(string dir) => Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any();

    /// <summary>
    /// Refuses to write into <paramref name="dir"/> when it already holds something, unless <paramref name="overwrite"/>.
    /// A run's folder (training, export) must be empty; a folder that collects outputs of several runs (data conversion)
    /// names <paramref name="filesWritten"/>, and only those may not exist yet. <paramref name="alternative"/> is the caller's
    /// other way out, e.g. "--resume_from_checkpoint to continue the run".
    /// </summary>
    public static string? RefusalToWriteInto(string dir, bool overwrite, string dirArgument = "--output_dir",
        string overwriteArgument = "--overwrite_output_dir", string? alternative = null, IEnumerable<string>? filesWritten = null)
    {
        if (RefusalOfAFileInTheWay(dir, dirArgument, "a folder") is { } notAFolder) return notAFolder;
        if (overwrite) return null;
        string orElse = alternative != null ? $", or {alternative}" : "";
        if (filesWritten != null)
        {
            var existing = filesWritten.Where(f => Path.Exists(Path.Combine(dir, f))).ToList();
            return existing.Count == 0 ? null
                : $"{dirArgument} {dir} already holds {string.Join(", ", existing)}; set {overwriteArgument} to replace them{orElse}";
        }
        return HasContent(dir) ? $"{dirArgument} {dir} already exists and is not empty; set {overwriteArgument} to write into it{orElse}" : null;
    }

    /// <summary>
    /// Refuses a path that should be (or be created as) a folder when it, or one of its ancestors, is a file:
    /// "--output_dir x: x is a file, not a folder". <paramref name="what"/> says what the path should name.
    /// </summary>
    public static string? RefusalOfAFileInTheWay(string path, string argument, string what)
    {
        if (FileInTheWay(path) is not { } file) return null;
        string where = SamePath(file, path) ? "is a file" : $"is under {file}, which is a file";
        return $"{argument} {path} {where}, not a folder; give {what} path (a folder that does not exist yet is created)";
    }

    /// <summary>
    /// The path itself or its nearest existing ancestor, when that is a regular file (so no folder can be made there);
    /// null when the path is a folder or the nearest existing ancestor is one.
    /// </summary>
    public static string? FileInTheWay(string path)
    {
        for (string? p = Path.GetFullPath(path); !string.IsNullOrEmpty(p); p = Path.GetDirectoryName(p))
        {
            if (Directory.Exists(p)) return null;
            if (File.Exists(p)) return p;
        }
        return null;
    }

    /// <summary>
    /// Refuses an <paramref name="output"/> path that is the <paramref name="input"/> path once both are resolved
    /// (<see cref="SamePath"/>). <paramref name="fix"/> says what to change, e.g. "choose another --output_dir".
    /// </summary>
    public static string? RefusalToOverwriteInput(string output, string outputArgument, string input, string inputArgument, string fix)
    {
        if (!SamePath(output, input)) return null;
        string real = RealPath(output);
        return $"{outputArgument} {output} is {inputArgument} {input} (both are {real}): writing the output would replace the input; {fix}";
    }

    /// <summary>True when both paths name the same file or directory: real paths equal, ignoring case only where the file system does.</summary>
    public static bool SamePath(string a, string b)
    {
        string realA = RealPath(a), realB = RealPath(b);
        return string.Equals(realA, realB, ComparisonFor(realA));
    }

    /// <summary>True when <paramref name="inner"/> is <paramref name="outer"/> or lies inside it, the real paths compared as
    /// <see cref="SamePath"/> compares them (so a folder that replaces <paramref name="outer"/> would take <paramref name="inner"/> with it).</summary>
    public static bool SameOrInside(string outer, string inner)
    {
        string realOuter = RealPath(outer), realInner = RealPath(inner);
        var comparison = ComparisonFor(realOuter);
        // A root ("/", "C:\") keeps its separator in RealPath: everything else is inside it.
        string prefix = Path.EndsInDirectorySeparator(realOuter) ? realOuter : realOuter + Path.DirectorySeparatorChar;
        return string.Equals(realOuter, realInner, comparison) || realInner.StartsWith(prefix, comparison);
    }

    private static StringComparison ComparisonFor(string realPath) =>
        IgnoresCase(realPath) ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>
    /// The absolute path with trailing separators trimmed and every symbolic link among its existing ancestors (and
    /// itself) resolved to its final target; the part that does not exist yet is kept as written.
    /// </summary>
    public static string RealPath(string path) => RealPath(path, depth: 0);

    private static string RealPath(string path, int depth)
    {
        // Bounded like the OS's own limit on nested links (40 on Linux), against link cycles the OS did not refuse.
        if (depth > 40) throw new IOException($"{path}: too many levels of symbolic links");
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        string root = Path.GetPathRoot(full) ?? "";
        string current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (info.LinkTarget == null) continue;   // not a link, or does not exist
            // The final target's own ancestors may be links too: resolve it the same way.
            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            if (target != null) current = RealPath(target.FullName, depth + 1);
        }
        return Path.TrimEndingDirectorySeparator(current);
    }

    /// <summary>
    /// Whether the file system holding <paramref name="path"/> ignores case: the nearest existing ancestor with a letter in
    /// its name is looked up again with the case of that name swapped.
    /// </summary>
    private static bool IgnoresCase(string path)
    {
        for (string? p = path; !string.IsNullOrEmpty(p); p = Path.GetDirectoryName(p))
        {
            string name = Path.GetFileName(p);
            string swapped = new(name.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)).ToArray());
            if (swapped == name || !Path.Exists(p)) continue;
            return Path.Exists(Path.Combine(Path.GetDirectoryName(p) ?? "", swapped));
        }
        return OperatingSystem.IsWindows() || OperatingSystem.IsMacOS();   // nothing to probe: those systems' defaults
    }
}
