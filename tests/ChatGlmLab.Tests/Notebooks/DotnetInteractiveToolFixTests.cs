using System.Reflection;
using ChatGlmLab.Notebooks;

namespace ChatGlmLab.Tests.Notebooks;

/// <summary>The FSharp.Core fix on a copy of a tool folder: replaced by 10.1, original kept, idempotent.</summary>
public sealed class DotnetInteractiveToolFixTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatglmlab-toolfix-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ReplacesAnOlderFSharpCoreKeepsTheOriginalAndIsIdempotent()
    {
        // An FSharp.Core older than 10.1: the one the installed tool shipped (kept by an earlier fix), if any.
        string? old = DotnetInteractiveToolFix.FindInstalledTools().Select(d => Path.Combine(d, "FSharp.Core.dll.orig")).FirstOrDefault(File.Exists);
        if (old == null)
        {
            Assert.True(Environment.GetEnvironmentVariable("CI") is not { Length: > 0 }, "CI installs and fixes the dotnet-interactive tool before the tests (.ci/run)");
            return;
        }
        string target = Path.Combine(_dir, "FSharp.Core.dll");
        File.Copy(old, target);
        Version before = AssemblyName.GetAssemblyName(target).Version!;
        Assert.True(before < new Version(10, 1), $"{old} is {before}");

        string first = DotnetInteractiveToolFix.Apply(_dir);
        Assert.True(AssemblyName.GetAssemblyName(target).Version >= new Version(10, 1), first);
        Assert.Equal(before, AssemblyName.GetAssemblyName(target + ".orig").Version);
        Assert.Contains("nothing to do", DotnetInteractiveToolFix.Apply(_dir));
    }

    [Fact]
    public void AFolderWithoutFSharpCoreIsNotAToolFolder() =>
        Assert.Throws<FileNotFoundException>(() => DotnetInteractiveToolFix.Apply(_dir));
}
