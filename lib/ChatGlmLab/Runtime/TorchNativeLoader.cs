using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace ChatGlmLab.Runtime;

/// <summary>
/// Makes TorchSharp's native backend load on Linux distributions whose libstdc++ is older than the
/// one libLibTorchSharp.so was linked against (Debian 12, Ubuntu 22.04).
///
/// Why: TorchSharp 0.107's libLibTorchSharp.so declares a need for GLIBCXX_3.4.32, but the only
/// symbol it binds under that version is <c>std::ios_base_library_init()</c>, which no relocation
/// uses. A loader refuses the library when the version is missing, unless the need is marked weak.
/// So, only when the running libstdc++ lacks that version, we copy the library to a per-user cache
/// folder, set VER_FLG_WEAK on that one need, and load the copy before TorchSharp does. TorchSharp's
/// own later load by name ("libLibTorchSharp.so") then matches the already-loaded copy by SONAME.
/// The shared NuGet cache is never modified.
///
/// A project that references ChatGlmLab gets a build output whose copy is already patched (the build does it, see
/// ChatGlmLab.csproj), so it loads even when its code calls torch.* before any kit type. This loader covers what no
/// build prepared (a notebook that references the DLL with TorchSharp from the NuGet cache): it runs from a module
/// initializer, before the first call into the kit, and does nothing when the copy it finds is already patched.
/// </summary>
public static class TorchNativeLoader
{
    private const string MissingVersion = "GLIBCXX_3.4.32";
    private static readonly object Gate = new();
    private static bool _done;

    /// <summary>What happened: "not needed", or the path of the patched copy that was loaded.</summary>
    public static string Status { get; private set; } = "not run";

#pragma warning disable CA2255 // a library module initializer is exactly what is wanted here
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void OnModuleLoad()
    {
        try { EnsureLoaded(); }
        catch (Exception e)
        {
            // Never throw from a module initializer: TorchSharp will report its own load failure;
            // keep our reason so the error below can be surfaced by EnsureLoaded's callers.
            Status = "failed: " + e.Message;
        }
    }

    /// <summary>Idempotent. Throws with a clear message when the backend cannot be made loadable.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_done) return;
            _done = true;
            if (!OperatingSystem.IsLinux()) { Status = "not needed (not Linux)"; return; }

            string? libstdcxx = FindLoadedLibStdCxx();
            if (libstdcxx == null || ContainsAscii(File.ReadAllBytes(libstdcxx), MissingVersion + "\0"))
            {
                Status = "not needed";
                return;
            }

            string original = FindNative("libLibTorchSharp.so")
                ?? throw new FileNotFoundException(
                    "libLibTorchSharp.so not found next to TorchSharp.dll, the application, or in the NuGet package folder. " +
                    "Reference TorchSharp and libtorch-cpu-linux-x64 (or TorchSharp-cuda-linux).");
            // A build output's copy is patched by the build (ChatGlmLab.csproj). Load it now all the same: a host that
            // loads the DLL outside its build (a notebook's #r) does not probe runtimes/linux-x64/native, and TorchSharp
            // then falls back to an unpatched copy from the NuGet cache; loaded first, this one is matched by SONAME.
            if (!ElfVersionNeeds.NeedsStrictly(original, MissingVersion))
            {
                NativeLibrary.Load(original);
                Status = $"{original} (patched by the build)";
                return;
            }
            string torchDir = Path.GetDirectoryName(FindNative("libtorch.so") ?? original)!;
            string patched = PreparePatchedCopy(original, torchDir);
            NativeLibrary.Load(patched);
            Status = patched;
        }
    }

    private static string PreparePatchedCopy(string original, string torchDir)
    {
        var info = new FileInfo(original);
        // string.GetHashCode is randomised per process: a stable hash keys the cache folder.
        string key = $"{info.Length:x}-{info.LastWriteTimeUtc.Ticks:x}-{StableHash(original + "|" + torchDir):x}";
        string dir = Path.Combine(CacheRoot(), key);
        string target = Path.Combine(dir, "libLibTorchSharp.so");
        if (File.Exists(target)) return target;

        Directory.CreateDirectory(dir);
        // The copy's RUNPATH is $ORIGIN: give it the libtorch libraries it needs as links.
        foreach (var lib in Directory.EnumerateFiles(torchDir, "lib*.so*"))
        {
            string link = Path.Combine(dir, Path.GetFileName(lib));
            if (Path.GetFileName(lib) == "libLibTorchSharp.so" || File.Exists(link)) continue;
            try { File.CreateSymbolicLink(link, lib); } catch (IOException) when (File.Exists(link)) { }
        }

        byte[] elf = File.ReadAllBytes(original);
        ElfVersionNeeds.MarkWeak(elf, MissingVersion, original);
        string temp = target + "." + Environment.ProcessId + ".tmp";
        File.WriteAllBytes(temp, elf);
        File.Move(temp, target, overwrite: true); // atomic: concurrent processes never see half a file
        return target;
    }

    private static string CacheRoot()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string baseDir = !string.IsNullOrEmpty(xdg) ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        if (string.IsNullOrEmpty(baseDir) || baseDir == ".cache") baseDir = Path.Combine(Path.GetTempPath(), "cache");
        return Path.Combine(baseDir, "chatglmlab", "native");
    }

    /// <summary>The libstdc++ this process uses (the .NET host already loaded it).</summary>
    private static string? FindLoadedLibStdCxx()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash >= 0 && line.Contains("libstdc++.so", StringComparison.Ordinal))
                    return line[slash..].Trim();
            }
        }
        catch (IOException) { }
        foreach (var p in new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6" })
            if (File.Exists(p)) return p;
        return null;
    }

    /// <summary>Where TorchSharp itself would look: its own folder, the app, then the NuGet packages.</summary>
    private static string? FindNative(string fileName)
    {
        var dirs = new List<string>();
        void AddWithRuntimes(string? d)
        {
            if (string.IsNullOrEmpty(d)) return;
            dirs.Add(d);
            dirs.Add(Path.Combine(d, "runtimes", "linux-x64", "native"));
        }
        Assembly torchSharp = typeof(torch).Assembly; // typeof does not run torch's static constructor
        AddWithRuntimes(Path.GetDirectoryName(torchSharp.Location));
        AddWithRuntimes(AppContext.BaseDirectory);
        AddWithRuntimes(Path.GetDirectoryName(typeof(TorchNativeLoader).Assembly.Location));

        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } np ? np
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        if (Directory.Exists(packages))
        {
            // TorchSharp's package (holds libLibTorchSharp.so) and the libtorch packages (hold libtorch.so).
            foreach (var pkg in Directory.EnumerateDirectories(packages, "torchsharp").Concat(Directory.EnumerateDirectories(packages, "libtorch-*-linux-x64*")))
                foreach (var version in Directory.EnumerateDirectories(pkg).OrderByDescending(v => v, StringComparer.Ordinal))
                    dirs.Add(Path.Combine(version, "runtimes", "linux-x64", "native"));
        }

        foreach (var d in dirs)
        {
            string candidate = Path.Combine(d, fileName);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static bool ContainsAscii(byte[] data, string text) =>
        data.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(text)) >= 0;

    private static ulong StableHash(string s)
    {
        ulong h = 14695981039346656037UL; // FNV-1a
        foreach (char c in s) { h ^= c; h *= 1099511628211UL; }
        return h;
    }
}
