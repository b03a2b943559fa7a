using System.Diagnostics;
using ChatGlmLab.Distributed;

namespace ChatGlmLab.Cli.Commands;

/// <summary>
/// <c>chatglm-lab launch --nproc N [--hostfile H] [--threads T] train ...</c>: the kit's <c>accelerate launch</c>. It runs
/// Open MPI's <c>mpirun</c> with N copies of this program and the command's arguments unchanged (each rank reads its
/// rank and world size from MPI, <see cref="ProcessGroup"/>), passes their output through and returns mpirun's exit
/// code. Plain <c>mpirun -np N dotnet chatglm-lab.dll train ...</c> works as well; this only fills in the usual flags.
/// </summary>
public static class LaunchCommand
{
    public const string Usage = "launch --nproc N [--hostfile FILE] [--threads T] <command> [arguments]";

    /// <summary>What the launcher was asked for.</summary>
    public sealed record Request(int Processes, string? Hostfile, int? Threads, IReadOnlyList<string> Command);

    public static int Run(string[] args, CliContext context)
    {
        var request = Parse(args);
        var start = ThisProgram.StartInfo(MpirunCommandLine(request, ThisProgram.CommandLine()));
        foreach (var (name, value) in RootVariables()) start.Environment[name] = value;
        context.Stdout.WriteLine($"launch: {string.Join(' ', start.ArgumentList.Prepend(start.FileName))}");
        Process child;
        try { child = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException("mpirun was not found on PATH: install Open MPI (apt-get install openmpi-bin libopenmpi-dev), see environment.md");
        }
        using (child)
        {
            // Both streams are copied as they come, so a long run shows its progress and a failing rank its error.
            var errors = Task.Run(() => Copy(child.StandardError, context.Stderr));
            Copy(child.StandardOutput, context.Stdout);
            errors.Wait();
            child.WaitForExit();
            return child.ExitCode;
        }
    }

    public static Request Parse(string[] args)
    {
        int processes = 0;
        string? hostfile = null;
        int? threads = null;
        int i = 0;
        for (; i < args.Length && args[i].StartsWith("--", StringComparison.Ordinal); i += 2)
        {
            if (i + 1 >= args.Length) throw new CliUsageException($"launch: {args[i]} needs a value; usage: {Usage}");
            string value = args[i + 1];
            switch (args[i])
            {
                case "--nproc" or "--nproc_per_node" or "--num_processes":
                    processes = int.TryParse(value, out int n) && n >= 1 ? n : throw new CliUsageException($"launch: --nproc '{value}' is not a positive number");
                    break;
                case "--hostfile":
                    hostfile = File.Exists(value) ? value : throw new CliUsageException($"launch: --hostfile {value} does not exist");
                    break;
                case "--threads":
                    threads = int.TryParse(value, out int t) && t >= 1 ? t : throw new CliUsageException($"launch: --threads '{value}' is not a positive number");
                    break;
                default:
                    throw new CliUsageException($"launch: unknown option {args[i]}; usage: {Usage}");
            }
        }
        if (processes == 0) throw new CliUsageException($"launch needs --nproc; usage: {Usage}");
        if (i >= args.Length) throw new CliUsageException($"launch needs the command to run (e.g. train ...); usage: {Usage}");
        if (args[i] == "launch") throw new CliUsageException("launch cannot launch itself");
        return new Request(processes, hostfile, threads, args[i..]);
    }

    /// <summary>
    /// mpirun's command line: -np N; --hostfile (several machines) or --oversubscribe (one machine: N processes even
    /// when N exceeds its cores, and idle ranks yield the CPU instead of spinning); no core binding (each rank runs
    /// torch's own thread pool); OMP_NUM_THREADS per rank (given, or the machine's cores shared out on one machine;
    /// with a hostfile each rank takes its machine's share itself).
    /// </summary>
    public static IReadOnlyList<string> MpirunCommandLine(Request request, IReadOnlyList<string> program)
    {
        var line = new List<string> { "mpirun", "-np", $"{request.Processes}" };
        if (request.Hostfile != null) line.AddRange(["--hostfile", request.Hostfile]);
        else line.Add("--oversubscribe");
        line.AddRange(["--bind-to", "none"]);
        int? threads = request.Threads ?? (request.Hostfile == null ? Math.Max(1, Environment.ProcessorCount / request.Processes) : null);
        if (threads is { } t) line.AddRange(["-x", $"OMP_NUM_THREADS={t}"]);
        line.AddRange(program);
        line.AddRange(request.Command);
        return line;
    }

    /// <summary>Open MPI refuses to run as root unless told twice (containers and CI run as root).</summary>
    public static IReadOnlyList<(string Name, string Value)> RootVariables() =>
        Environment.UserName == "root" ? [("OMPI_ALLOW_RUN_AS_ROOT", "1"), ("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")] : [];

    private static void Copy(StreamReader from, TextWriter to)
    {
        while (from.ReadLine() is { } line)
            lock (to) to.WriteLine(line);
    }
}
