namespace ChatGlmLab.Runtime;

/// <summary>
/// Resident memory of this process from /proc/self/status (Linux): current (VmRSS) and peak (VmHWM).
/// The peak can be reset (write "5" to /proc/self/clear_refs) so one run's peak can be measured.
/// Elsewhere the values fall back to .NET's working set figures.
/// </summary>
public static class ProcessMemory
{
    public static long ResidentBytes() => ReadStatus("VmRSS:") ?? Environment.WorkingSet;

    public static long PeakResidentBytes() => ReadStatus("VmHWM:") ?? System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64;

    /// <summary>Starts a new peak measurement; returns false when the OS does not support it.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    private static long? ReadStatus(string key)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return null;
        foreach (var line in File.ReadLines(path))
        {
            if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
            var parts = line[key.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(parts[0]) * 1024;   // reported in kB
        }
        return null;
    }
}
