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

    /// <summary>The launcher's own arguments (those before the command it runs).</summary>
    public static ArgumentSpec Spec() =>
        new ArgumentSpec("launch")
            .With("nproc", typeof(int), "number of processes (ranks), as accelerate's --num_processes")
            .Alias("nproc_per_node", "nproc").Alias("num_processes", "nproc")
            .With("hostfile", typeof(string), "Open MPI hostfile for several machines (default: all ranks on this machine)")
            .With("threads", typeof(int), "torch threads per rank (default: this machine's cores ÷ ranks)");

    public static Request Parse(string[] args)
    {
        // The launcher's options come first, in --name value pairs; the command to run starts at the first other word.
        int i = 0;
        while (i < args.Length && args[i].StartsWith("--", StringComparison.Ordinal)) i += 2;
        i = Math.Min(i, args.Length);
        var given = Spec().Parse(args[..i]);
        int processes = given.GetInt("nproc") ?? 0;
        if (given.IsGiven("nproc") && processes < 1) throw new CliUsageException($"launch: --nproc '{processes}' is not a positive number");
        string? hostfile = given.Get("hostfile");
        if (hostfile is not null && !File.Exists(hostfile)) throw new CliUsageException($"launch: --hostfile {hostfile} does not exist");
        int? threads = given.GetInt("threads");
        if (threads is < 1) throw new CliUsageException($"launch: --threads '{threads}' is not a positive number");
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
