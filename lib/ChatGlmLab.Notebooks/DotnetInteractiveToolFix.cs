using System.Reflection;

namespace ChatGlmLab.Notebooks;

/// <summary>
/// Why: the charts use Plotly.NET 6, built against FSharp.Core 10.1; the dotnet-interactive tool 1.0.712001
/// (the kernel VS Code's Polyglot Notebooks and Jupyter run) ships FSharp.Core 10.0 and loads it first, so a
/// notebook that touches a chart fails with "Could not load FSharp.Core, Version=10.1.0.0". .NET binds an
/// assembly already on the application's path by its file, and FSharp.Core is backward compatible within a
/// major version, so replacing the tool's FSharp.Core.dll with 10.1 satisfies both the tool (built against
/// 10.0) and Plotly.NET. The original is kept beside it (FSharp.Core.dll.orig) and the fix is idempotent;
/// reinstalling or updating the tool undoes it (run it again then).
/// Where tools live: global tools under ~/.dotnet/tools/.store; the copy VS Code acquires as a local tool runs
/// from the NuGet package folder (~/.nuget/packages/microsoft.dotnet-interactive).
/// </summary>
public static class DotnetInteractiveToolFix
{
    public const string ToolPackage = "microsoft.dotnet-interactive";
    private const string FSharpCore = "FSharp.Core.dll";

    /// <summary>Folders of installed dotnet-interactive tools that hold an FSharp.Core.dll (global tools and the NuGet package folder).</summary>
    public static IReadOnlyList<string> FindInstalledTools()
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p : Path.Combine(home, ".nuget", "packages");
        var roots = new[] { Path.Combine(home, ".dotnet", "tools", ".store", ToolPackage), Path.Combine(packages, ToolPackage) };
        return roots.Where(Directory.Exists)
            .SelectMany(r => Directory.EnumerateFiles(r, FSharpCore, SearchOption.AllDirectories))
            .Where(f => File.Exists(Path.Combine(Path.GetDirectoryName(f)!, "Microsoft.DotNet.Interactive.dll")))
            .Select(f => Path.GetDirectoryName(f)!).Distinct().ToList();
    }

    /// <summary>Gives the tool in <paramref name="toolDir"/> the FSharp.Core this process runs with (10.1+); returns what was done.</summary>
    public static string Apply(string toolDir)
    {
        string target = Path.Combine(toolDir, FSharpCore);
        if (!File.Exists(target)) throw new FileNotFoundException($"{target} not found: not a dotnet-interactive tool folder");
        string source = typeof(Microsoft.FSharp.Core.Unit).Assembly.Location;
        Version wanted = AssemblyName.GetAssemblyName(source).Version!;
        Version present = AssemblyName.GetAssemblyName(target).Version!;
        if (wanted < new Version(10, 1)) throw new InvalidOperationException($"this build carries FSharp.Core {wanted}; 10.1 or later is needed");
        if (present >= wanted) return $"{toolDir}: FSharp.Core {present} already (nothing to do)";
        string backup = target + ".orig";
        if (!File.Exists(backup)) File.Copy(target, backup);
        File.Copy(source, target, overwrite: true);
        return $"{toolDir}: FSharp.Core {present} → {wanted} (original kept as {Path.GetFileName(backup)})";
    }
}
