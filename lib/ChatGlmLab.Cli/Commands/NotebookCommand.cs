using ChatGlmLab.Notebooks;
using ChatGlmLab.Runtime;

namespace ChatGlmLab.Cli.Commands;

/// <summary>
/// <c>notebook run FILE.ipynb [--output PATH] [--no_write] [--set "name = value;"]...</c>: executes a notebook
/// headless in an in-process .NET Interactive C# kernel, cell by cell, and writes the outputs back (in place
/// unless --output is given), so notebooks committed with outputs show a real run. Stops at the first failing
/// cell and exits 1 with the notebook name, cell number and message.
/// <c>notebook fix-tool [--tool_dir DIR]</c>: gives installed dotnet-interactive tools (what VS Code runs) the
/// FSharp.Core the charts need (see <see cref="DotnetInteractiveToolFix"/>).
/// </summary>
public static class NotebookCommand
{
    public static readonly CliApp.CommandHelp[] Subcommands =
    [
        new("run", "notebook run FILE.ipynb: execute it headless cell by cell and write the outputs back (stops at the first failing cell)", RunSpec),
        new("fix-tool", "give installed dotnet-interactive tools (what VS Code runs) the FSharp.Core the charts need", () =>
            new ArgumentSpec("notebook fix-tool").With("tool_dir", typeof(string), "the tool's folder (default: every installed dotnet-interactive tool)")),
    ];

    /// <summary>notebook run's named arguments (the notebook itself comes first, without a name; --set may repeat).</summary>
    private static ArgumentSpec RunSpec() =>
        new ArgumentSpec("notebook run")
            .With("output", typeof(string), "write the executed notebook here (default: in place)")
            .With("no_write", typeof(bool), "run without writing the outputs anywhere", false)
            .With("set", typeof(string), "C# run before the first cell, e.g. \"var steps = 5;\" (may repeat)");

    public static int Run(string[] args, CliContext context)
    {
        if (args.Length == 0 || args[0] is not ("run" or "fix-tool"))
            throw new CliUsageException("notebook needs a subcommand: 'notebook run FILE.ipynb [--output PATH] [--no_write] [--set CODE]...' or 'notebook fix-tool [--tool_dir DIR]'");
        return args[0] == "run" ? RunNotebook(args[1..], context) : FixTool(args[1..], context);
    }

    private static int RunNotebook(string[] args, CliContext context)
    {
        string? file = null, output = null;
        bool write = true;
        var parameters = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new CliUsageException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--output": output = Value(); break;
                case "--no_write": write = false; break;
                case "--set": parameters.Add(Value()); break;
                case var a when a.StartsWith("--", StringComparison.Ordinal): throw new CliUsageException($"unknown argument {a}; valid: {RunSpec().ValidNamesText()}");
                case var a when file == null: file = a; break;
                default: throw new CliUsageException($"one notebook at a time (got '{file}' and '{args[i]}')");
            }
        }
        if (file == null) throw new CliUsageException("notebook run needs the .ipynb file");
        InputFile.Require(file, "notebook run", ".ipynb notebook");
        // Where the outputs go is checked before the run, not after minutes of cells.
        if (write && output != null)
        {
            if (Directory.Exists(output)) throw new CliUsageException($"--output {output} is a folder; give the path of the .ipynb file to write");
            if (OutputDirectory.FileInTheWay(Path.GetDirectoryName(Path.GetFullPath(output))!) is { } blocking)
                throw new CliUsageException($"--output {output} is under {blocking}, which is a file, not a folder; give a path in a folder");
        }

        var run = NotebookRunner.Run(file, new NotebookRunOptions
        {
            Parameters = parameters,
            OutputPath = write ? output ?? file : null,
            Log = line => context.Stdout.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}"),
        });
        if (!run.Succeeded)
        {
            context.Stderr.WriteLine($"error: {run.FailureMessage}");
            return run.FailedInInjectedParameters ? CliApp.UsageError : CliApp.Failed;
        }
        context.Stdout.WriteLine($"{run.Notebook}: {run.Runs.Count} cells in {run.Seconds:F1} s" + (write ? $", outputs written to {Path.GetFullPath(output ?? file)}" : ""));
        return CliApp.Ok;
    }

    private static int FixTool(string[] args, CliContext context)
    {
        string? toolDir = args is ["--tool_dir", var d] ? d : args.Length == 0 ? null : throw new CliUsageException("notebook fix-tool takes only --tool_dir DIR");
        if (toolDir != null && !Directory.Exists(toolDir))
            throw new CliUsageException($"--tool_dir {toolDir}: " + (File.Exists(toolDir) ? "is a file; give the tool's folder" : "folder not found"));
        var dirs = toolDir != null ? [toolDir] : DotnetInteractiveToolFix.FindInstalledTools();
        if (dirs.Count == 0)
            throw new DirectoryNotFoundException("no installed dotnet-interactive tool found (install it with 'dotnet tool install -g Microsoft.dotnet-interactive', or give --tool_dir)");
        foreach (var dir in dirs) context.Stdout.WriteLine(DotnetInteractiveToolFix.Apply(dir));
        return CliApp.Ok;
    }
}
