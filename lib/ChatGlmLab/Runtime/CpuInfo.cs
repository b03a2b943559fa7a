namespace ChatGlmLab.Runtime;

/// <summary>A field of Linux's /proc/cpuinfo, as its first processor states it: the CPU's name for reports
/// (<see cref="MachineDescription"/>) and its flags for <see cref="BFloat16Support"/>.</summary>
public static class CpuInfo
{
    /// <returns>The text after the field's colon, trimmed; null where the file or the field is not there (not Linux).</returns>
    public static string? Field(string name)
    {
        try { return Field(name, File.ReadLines("/proc/cpuinfo")); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>The first line whose name (the text before its colon, trimmed) is <paramref name="name"/> exactly: on x86
    /// "model" comes before "model name" and "cpu family" before "cpu cores", so a prefix would find the wrong line.</summary>
    internal static string? Field(string name, IEnumerable<string> lines) =>
        lines.Select(l => l.Split(':', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Trim() == name)?[1].Trim();
}
