using System.Diagnostics;
using System.Text.Json;

namespace ChatGlmLab.Cli;

/// <summary>How to start this program again in a child process (benchmark phases, mpirun's ranks).</summary>
public static class ThisProgram
{
    /// <summary>
    /// The command line that runs chatglm-lab: "dotnet chatglm-lab.dll" when this process is the dotnet host (also a test
    /// host calling the CLI in-process), else the apphost itself.
    /// </summary>
    public static IReadOnlyList<string> CommandLine()
    {
        string host = Environment.ProcessPath!;
        return Path.GetFileNameWithoutExtension(host) == "dotnet" ? [host, typeof(ThisProgram).Assembly.Location] : [host];
    }

    /// <summary>A start description of <paramref name="fileAndArguments"/> with standard output and error redirected.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> fileAndArguments)
    {
        var all = fileAndArguments.ToList();
        var start = new ProcessStartInfo(all[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in all.Skip(1)) start.ArgumentList.Add(a);
        return start;
    }

    /// <summary>
    /// Runs a child to its end and returns the JSON after the last stdout occurrence of <paramref name="resultPrefix"/>;
    /// a failed child (or one without the line) is an error naming <paramref name="what"/>, its exit code and its stderr.
    /// </summary>
    public static T RunForResult<T>(ProcessStartInfo start, string resultPrefix, string what)
    {
        using var child = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var errors = child.StandardError.ReadToEndAsync();
        T? result = default;
        // Searched in the line, not at its start: under mpirun the output runs through a pseudo-terminal, and .NET
        // starts it with the terminal's keypad escape sequence.
        while (child.StandardOutput.ReadLine() is { } line)
            if (line.IndexOf(resultPrefix, StringComparison.Ordinal) is >= 0 and int at)
                result = JsonSerializer.Deserialize<T>(line[(at + resultPrefix.Length)..]);
        child.WaitForExit();
        if (child.ExitCode != 0 || result == null)
            throw new InvalidOperationException($"{what} failed (exit {child.ExitCode}; killed by the out-of-memory killer if 137): {errors.Result.Trim()}");
        return result;
    }
}
