namespace ChatGlmLab.Runtime;

/// <summary>A field of Linux's /proc/cpuinfo, as its first processor states it: the CPU's name for reports
/// (<see cref="MachineDescription"/>) and its flags for <see cref="BFloat16Support"/>.</summary>
public static class CpuInfo
{
    /// <returns>The text after the field's colon, trimmed; null where the file or the field is not there (not Linux).</returns>
    public static string? Field(string name)
    {
        try { return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith(name))?.Split(':', 2)[1].Trim(); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
