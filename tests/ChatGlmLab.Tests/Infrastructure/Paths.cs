namespace ChatGlmLab.Tests.Infrastructure;

/// <summary>Locates the repository and the shared fixtures (../shared next to the clone).</summary>
public static class Paths
{
    /// <summary>Repository root: the first ancestor of the test binaries holding ChatGlmLab.sln.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The read-only shared folder (fixtures, data). Override with CHATGLMLAB_SHARED.</summary>
    public static string Shared { get; } =
        Environment.GetEnvironmentVariable("CHATGLMLAB_SHARED") is { Length: > 0 } s
            ? s
            : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    public static string Fixtures => Path.Combine(Shared, "fixtures");
    public static string Fixture(params string[] parts) => Path.Combine([Fixtures, .. parts]);
    public static string SharedData(params string[] parts) => Path.Combine([Shared, "data", .. parts]);

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ChatGlmLab.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"ChatGlmLab.sln not found above {AppContext.BaseDirectory}");
    }
}
