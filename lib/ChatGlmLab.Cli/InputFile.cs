namespace ChatGlmLab.Cli;

/// <summary>The check every file argument the CLI reads gets first: it must exist and be a file, not a folder.</summary>
public static class InputFile
{
    /// <summary>The path, or a usage error naming the argument: "is a folder, not a file" or "file not found".</summary>
    public static string Require(string path, string argument, string what)
    {
        if (Directory.Exists(path))
            throw new CliUsageException($"{argument} {path} is a folder, not a file; give the {what} inside it");
        if (!File.Exists(path))
            throw new CliUsageException($"{argument} {path}: file not found (the {what})");
        return path;
    }
}
