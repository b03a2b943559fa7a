using System.Diagnostics;

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
}
