using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatGlmLab.Runtime;

namespace ChatGlmLab.Cli;

/// <summary>
/// The CLI boundary's answer to any exception: ONE line saying what failed, which file (and the argument that named it)
/// and what to do, and the exit code (2 for a command line the user got wrong, 1 for anything that failed while running).
/// Never a stack trace: file-system errors (a folder given as a file, a path under a file, no permission, a full disk)
/// are recognised from the path in .NET's message, whichever command or library call hit them; anything unexpected
/// is still one line, with its exception type (CHATGLMLAB_TRACE=1 adds the stack trace for a bug report).
/// </summary>
public static partial class FailureLine
{
    public const string TraceVariable = "CHATGLMLAB_TRACE";

    public static (int ExitCode, string Line) For(Exception exception, IReadOnlyList<string> args)
    {
        var e = Unwrap(exception);
        return e switch
        {
            CliUsageException => (CliApp.UsageError, $"error: {e.Message}"),
            Generation.PromptTooLongException tooLong => (CliApp.Failed, $"error: {tooLong.Describe("--")}"),
            UnauthorizedAccessException or IOException => (CliApp.Failed, "error: " + FileSystem(e, args)),
            JsonException json => (CliApp.Failed, $"error: not valid JSON ({FirstLine(json.Message)}); fix the JSON file named in the command or its folder"),
            OutOfMemoryException => (CliApp.Failed, $"error: out of memory ({FirstLine(e.Message)}); lower the batch size or max_length, or load the model quantized (--quantization_bit)"),
            // The kit's own exceptions (a loss that stopped being finite, bad data...) and the standard ones it throws name
            // the file, key or argument already.
            _ when e.GetType().Namespace?.StartsWith("ChatGlmLab", StringComparison.Ordinal) == true => (CliApp.Failed, $"error: {e.Message}"),
            InvalidDataException or InvalidOperationException or ArgumentException or TimeoutException
                or FormatException or NotSupportedException => (CliApp.Failed, $"error: {e.Message}"),
            _ => (CliApp.Failed, $"error: {FirstLine(e.Message)} ({e.GetType().Name}; unexpected — set {TraceVariable}=1 for the stack trace)"),
        };
    }

    /// <summary>The exception that says what happened: wrappers from tasks, reflection and type initializers give way to their cause.</summary>
    private static Exception Unwrap(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case AggregateException { InnerExceptions.Count: 1 } a: e = a.InnerExceptions[0]; continue;
                case TargetInvocationException { InnerException: { } inner }: e = inner; continue;
                default: return e;
            }
        }
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    /// <summary>A file-system failure explained from the path .NET names in its message ('...').</summary>
    private static string FileSystem(Exception e, IReadOnlyList<string> args)
    {
        string message = FirstLine(e.Message);
        var match = QuotedPath().Match(message);
        // The path: the exception's own, else the quoted one .NET writes ('...'), else what follows the library's "...: path".
        int colon = message.LastIndexOf(": ", StringComparison.Ordinal);
        string? path = e is FileNotFoundException { FileName: { } f } ? f
            : match.Success ? match.Groups[1].Value
            : colon >= 0 && Path.Exists(message[(colon + 2)..]) ? message[(colon + 2)..] : null;
        if (path == null)
            return e is FileNotFoundException or DirectoryNotFoundException ? message : $"{message} (check the paths given and that the disk is not full)";
        string subject = ArgumentNaming(path, args) is { } argument ? $"{argument} ({path})" : path;
        if (Directory.Exists(path) && e is UnauthorizedAccessException or FileNotFoundException)
            return $"{subject} is a folder, not a file; give a file path (e.g. {Path.Combine(path, "NAME")})";
        if (File.Exists(path) && e is IOException && message.Contains("already exists", StringComparison.Ordinal) && !Directory.Exists(path))
            return $"{subject} is a file, not a folder; give a folder path (a folder that does not exist yet is created)";
        if (OutputDirectory.FileInTheWay(path) is { } file && !OutputDirectory.SamePath(file, path))
            return $"{subject} is under {file}, which is a file, not a folder; give a path in a folder";
        return e switch
        {
            UnauthorizedAccessException => $"permission denied on {subject}: this user may not read or write it; choose another path or change its permissions",
            FileNotFoundException => $"{subject}: file not found; check the path",
            DirectoryNotFoundException => $"{subject}: its folder does not exist; create it or give another path",
            _ => $"{subject}: {message} (check the path, its permissions and that the disk is not full)",
        };
    }

    /// <summary>"--output_file x" when a command-line value names this path or a folder above it (the closest such value).</summary>
    private static string? ArgumentNaming(string path, IReadOnlyList<string> args)
    {
        string full = Path.GetFullPath(path);
        (string Text, int Length)? best = null;
        for (int i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) continue;
            int equals = args[i].IndexOf('=');
            (string name, string? value) = equals > 0 ? (args[i][..equals], args[i][(equals + 1)..])
                : (args[i], i + 1 < args.Count ? args[i + 1] : null);
            if (string.IsNullOrEmpty(value) || value.StartsWith("--", StringComparison.Ordinal)) continue;
            string candidate;
            try { candidate = Path.TrimEndingDirectorySeparator(Path.GetFullPath(value)); }
            catch (ArgumentException) { continue; }
            bool names = full == candidate || full.StartsWith(candidate + Path.DirectorySeparatorChar, StringComparison.Ordinal);
            if (names && (best == null || candidate.Length > best.Value.Length)) best = ($"{name} {value}", candidate.Length);
        }
        return best?.Text;
    }

    [GeneratedRegex("'([^']+)'")]
    private static partial Regex QuotedPath();
}
