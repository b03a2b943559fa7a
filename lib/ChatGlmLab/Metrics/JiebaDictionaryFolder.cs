using JiebaNet.Segmenter;

namespace ChatGlmLab.Metrics;

/// <summary>
/// Finds jieba.NET's dictionary folder and points jieba at it before its first use.
/// </summary>
/// <remarks>
/// jieba.NET looks in "Resources" under the APPLICATION's base directory (or an app.config setting),
/// and when the files are missing it swallows the IOException and segments with an empty dictionary,
/// which silently gives wrong cuts. The lib's build copies the dictionaries to "Resources" beside
/// ChatGlmLab.dll, which is not the application directory for a notebook or a host that loads the
/// DLL from elsewhere. So: look in CHATGLMLAB_JIEBA_DIR, then beside ChatGlmLab.dll, then the
/// application directory, then the NuGet package cache; fail loudly when none has the files.
/// jieba reads <see cref="ConfigManager.ConfigFileBaseDir"/> once, in static initialisers, so this
/// must run before any JiebaSegmenter is created.
/// </remarks>
public static class JiebaDictionaryFolder
{
    public const string EnvironmentVariable = "CHATGLMLAB_JIEBA_DIR";

    /// <summary>The files default-mode cutting with HMM reads.</summary>
    public static readonly IReadOnlyList<string> RequiredFiles = ["dict.txt", "prob_trans.json", "prob_emit.json"];

    private const string JiebaPackageVersion = "0.42.2";

    /// <summary>The folders searched, in order.</summary>
    public static IReadOnlyList<string> Candidates()
    {
        var folders = new List<string>();
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured)
            folders.Add(Path.GetFullPath(configured));
        string libFolder = Path.GetDirectoryName(typeof(JiebaDictionaryFolder).Assembly.Location) ?? "";
        if (libFolder.Length > 0)
            folders.Add(Path.Combine(libFolder, "Resources"));
        folders.Add(Path.Combine(AppContext.BaseDirectory, "Resources"));
        string packageRoot = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } nugetPackages
            ? nugetPackages
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        folders.Add(Path.Combine(packageRoot, "jieba.net", JiebaPackageVersion, "Resources"));
        return folders.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The first candidate holding every required file.</summary>
    /// <exception cref="FileNotFoundException">No candidate has them; the message names every folder tried.</exception>
    public static string Locate() => Locate(Candidates());

    /// <summary>The first of <paramref name="candidates"/> holding every required file.</summary>
    public static string Locate(IReadOnlyList<string> candidates)
    {
        foreach (string folder in candidates)
            if (RequiredFiles.All(file => File.Exists(Path.Combine(folder, file))))
                return folder;
        throw new FileNotFoundException(
            "jieba.NET dictionaries (" + string.Join(", ", RequiredFiles) + ") not found. Looked in: "
            + string.Join("; ", candidates)
            + ". Building the ChatGlmLab project copies them to Resources/ beside ChatGlmLab.dll; "
            + $"otherwise set {EnvironmentVariable} to a folder holding jieba.NET {JiebaPackageVersion}'s Resources files.");
    }

    /// <summary>Locates the folder and sets jieba's base directory to it; returns the folder.</summary>
    public static string Configure()
    {
        string folder = Locate();
        ConfigManager.ConfigFileBaseDir = folder;
        return folder;
    }
}
