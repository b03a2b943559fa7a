using ChatGlmLab.Charts;
using ChatGlmLab.Runtime;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;

namespace ChatGlmLab.Notebooks;

/// <summary>How a notebook run is made.</summary>
public sealed record NotebookRunOptions
{
    /// <summary>C# statements run right after the cell tagged "parameters" (papermill's convention), e.g. <c>maxSteps = 20;</c>.</summary>
    public IReadOnlyList<string> Parameters { get; init; } = [];
    /// <summary>Where the executed notebook is written (null = not written; the input path = in place).</summary>
    public string? OutputPath { get; init; }
    /// <summary>Progress lines (one per cell).</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>What one executed cell produced.</summary>
public sealed record CellRun(int Number, double Seconds, IReadOnlyList<JsonObject> Outputs, string? Error)
{
    /// <summary>The cell's HTML outputs (displayed values and the return value).</summary>
    public IEnumerable<string> Html => Outputs.Select(o => o["data"]?["text/html"]?.GetValue<string>()).OfType<string>();
}

/// <summary>The outcome of a notebook run: every executed cell, and the first failure if any.</summary>
public sealed record NotebookRun(string Notebook, IReadOnlyList<NotebookCell> Cells, IReadOnlyList<CellRun> Runs, double Seconds)
{
    public CellRun? Failure => Runs.FirstOrDefault(r => r.Error != null);
    public bool Succeeded => Failure == null;
    /// <summary>True when the first failing cell is the one holding the parameters injected by the caller (papermill's
    /// -p, the CLI's --set): the caller's input failed, not the notebook.</summary>
    public bool FailedInInjectedParameters => Failure is { } f && Cells.Any(c => c.Number == f.Number && c.HasTag(NotebookRunner.InjectedParametersTag));
    /// <summary>"notebook, cell n: message" for the first failing cell; for the injected parameters' cell it says so and which
    /// cell declares the names that may be set (a name the notebook does not declare fails there).</summary>
    public string? FailureMessage => Failure is not { } f ? null
        : FailedInInjectedParameters
            ? $"{Notebook}, cell {f.Number} (the parameters given with --set): {f.Error}; set only names the parameters cell" +
              (Cells.FirstOrDefault(c => c.HasTag(NotebookRunner.ParametersTag)) is { } parameters ? $" (cell {parameters.Number})" : "") + " declares, as C# statements such as: maxSteps = 20;"
            : $"{Notebook}, cell {f.Number}: {f.Error}";
}

/// <summary>
/// Executes a notebook headless in an in-process .NET Interactive C# kernel, the way VS Code's
/// Polyglot Notebooks runs it: a fresh kernel per notebook, the notebook's folder as the working
/// directory (relative #r paths and data paths resolve as they do in VS Code), cells in order,
/// stopping at the first failing cell (Run All in VS Code stops there too, and later cells would only
/// fail for the same reason). Markdown cells are skipped; cells for other kernels are refused.
/// </summary>
/// <remarks>
/// The working directory is process-wide, so runs are serialised by a lock; callers that run other
/// code in parallel must not depend on the working directory while a notebook runs.
/// </remarks>
public static class NotebookRunner
{
    public const string ParametersTag = "parameters";
    public const string InjectedParametersTag = "injected-parameters";
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>
    /// Puts <paramref name="parameters"/> (C# statements) in a cell of their own after the cell tagged
    /// <see cref="ParametersTag"/>, as papermill injects parameters; nothing when there are none.
    /// </summary>
    public static void InjectParameters(NotebookFile notebook, IReadOnlyList<string> parameters)
    {
        if (parameters.Count == 0) return;
        var parametersCell = notebook.Cells.FirstOrDefault(c => c.HasTag(ParametersTag))
            ?? throw new InvalidOperationException($"{notebook.Name}: parameters were given but no cell is tagged '{ParametersTag}'");
        notebook.InsertCodeCell(parametersCell.Number, string.Join("\n", parameters), InjectedParametersTag);
    }

    public static NotebookRun Run(string path, NotebookRunOptions? options = null) => RunAsync(path, options).GetAwaiter().GetResult();

    public static async Task<NotebookRun> RunAsync(string path, NotebookRunOptions? options = null)
    {
        options ??= new NotebookRunOptions();
        path = Path.GetFullPath(path);
        var notebook = NotebookFile.Read(path);
        InjectParameters(notebook, options.Parameters);
        notebook.ClearOutputs();
        var cells = notebook.Cells;
        var foreign = cells.FirstOrDefault(c => c.IsCode && c.KernelName is not ("csharp" or "C#"));
        if (foreign != null) throw new InvalidOperationException($"{notebook.Name}, cell {foreign.Number}: kernel '{foreign.KernelName}' is not supported (C# cells only)");

        await Gate.WaitAsync();
        string previousDirectory = Directory.GetCurrentDirectory();
        var clock = Stopwatch.StartNew();
        var runs = new List<CellRun>();
        try
        {
            Directory.SetCurrentDirectory(Path.GetDirectoryName(path)!);
            ChatGlmLab.Charts.NotebookHtml.Reset(); // each notebook carries its own copy of plotly.js
            using var kernel = CreateKernel();
            int executionCount = 0;
            foreach (var cell in cells.Where(c => c.IsCode && !string.IsNullOrWhiteSpace(c.Source)))
            {
                var run = await RunCell(kernel, cell, ++executionCount);
                runs.Add(run);
                notebook.SetOutputs(cell.Number, executionCount, run.Outputs);
                options.Log?.Invoke($"{notebook.Name}, cell {cell.Number}: {(run.Error == null ? "ok" : "FAILED")} in {run.Seconds:F1} s");
                if (run.Error != null) break;
            }
        }
        finally
        {
            Directory.SetCurrentDirectory(previousDirectory);
            Gate.Release();
        }
        var result = new NotebookRun(notebook.Name, cells, runs, clock.Elapsed.TotalSeconds);
        if (options.OutputPath != null)
        {
            notebook.SetRunNote(RunNote(result));
            notebook.Write(options.OutputPath);
        }
        return result;
    }

    /// <summary>
    /// The kernel VS Code gives a C# notebook, minus the pieces that need a front end. With <c>#!import</c>, as the
    /// dotnet-interactive tool has: every notebook's first cell imports the shared <c>notebooks/setup.dib</c>.
    /// </summary>
    public static CompositeKernel CreateKernel()
    {
        var csharp = new CSharpKernel().UseKernelHelpers().UseValueSharing();
        var composite = new CompositeKernel { csharp };
        composite.DefaultKernelName = csharp.Name;
        composite.UseImportMagicCommand();
        return composite;
    }

    private static async Task<CellRun> RunCell(Kernel kernel, NotebookCell cell, int executionCount)
    {
        var clock = Stopwatch.StartNew();
        var outputs = new List<JsonObject>();
        string? error = null;
        // Events are collected as they arrive (not only from the result) so long cells' output keeps its order.
        using var subscription = kernel.KernelEvents.Subscribe(e =>
        {
            switch (e)
            {
                case StandardOutputValueProduced o: outputs.Add(Stream("stdout", o)); break;
                case StandardErrorValueProduced o: outputs.Add(Stream("stderr", o)); break;
                case ReturnValueProduced o: outputs.Add(Data("execute_result", o, executionCount)); break;
                case DisplayedValueProduced o: outputs.Add(Data("display_data", o, null)); break;
                case DisplayedValueUpdated o: outputs.Add(Data("display_data", o, null)); break;
                case CommandFailed f:
                    error = f.Exception?.Message is { Length: > 0 } m ? $"{f.Exception.GetType().Name}: {m}" : f.Message;
                    outputs.Add(new JsonObject
                    {
                        ["output_type"] = "error", ["ename"] = f.Exception?.GetType().Name ?? "Error", ["evalue"] = error,
                        ["traceback"] = new JsonArray((f.Exception?.ToString() ?? f.Message).Split('\n').Select(l => (JsonNode)JsonValue.Create(l)!).ToArray()),
                    });
                    break;
            }
        });
        await kernel.SendAsync(new SubmitCode(cell.Source));
        return new CellRun(cell.Number, clock.Elapsed.TotalSeconds, outputs, error);
    }

    private static JsonObject Stream(string name, DisplayEvent e) => new()
    {
        ["output_type"] = "stream", ["name"] = name,
        ["text"] = string.Concat(e.FormattedValues.Select(v => v.Value)),
    };

    private static JsonObject Data(string type, DisplayEvent e, int? executionCount)
    {
        var data = new JsonObject();
        foreach (var v in e.FormattedValues.Where(v => !v.SuppressDisplay)) data[v.MimeType] = v.Value;
        var output = new JsonObject { ["output_type"] = type, ["data"] = data, ["metadata"] = new JsonObject() };
        if (executionCount is int n) output["execution_count"] = n;
        return output;
    }

    private static JsonObject RunNote(NotebookRun run) => new()
    {
        ["runner"] = "chatglm-lab notebook run (in-process .NET Interactive C# kernel)",
        ["machine"] = ChatGlmLab.Runtime.MachineDescription.Current(),
        ["finished_utc"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss 'UTC'"),
        ["seconds"] = Math.Round(run.Seconds, 1),
        ["succeeded"] = run.Succeeded,
        ["cell_seconds"] = new JsonObject(run.Runs.Select(r => KeyValuePair.Create(r.Number.ToString(), (JsonNode?)Math.Round(r.Seconds, 1)))),
    };
}
