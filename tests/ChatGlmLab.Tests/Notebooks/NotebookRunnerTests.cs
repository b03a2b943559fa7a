using System.Text.Json.Nodes;
using ChatGlmLab.Cli;
using ChatGlmLab.Notebooks;

namespace ChatGlmLab.Tests.Notebooks;

/// <summary>The headless runner and 'notebook run': failures are reported by notebook and cell, outputs are written back.</summary>
[Collection(NotebookCollection.Name)]
public sealed class NotebookRunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatglmlab-notebook-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Notebook(string name, params (string Source, string[] Tags)[] cells)
    {
        var array = new JsonArray();
        array.Add(new JsonObject { ["cell_type"] = "markdown", ["metadata"] = new JsonObject(), ["source"] = "# title" });
        foreach (var (source, tags) in cells)
            array.Add(new JsonObject
            {
                ["cell_type"] = "code", ["execution_count"] = null, ["outputs"] = new JsonArray(), ["source"] = NotebookFile.Lines(source),
                ["metadata"] = new JsonObject { ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" }, ["tags"] = new JsonArray(tags.Select(t => (JsonNode)t!).ToArray()) },
            });
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, new JsonObject { ["cells"] = array, ["metadata"] = new JsonObject(), ["nbformat"] = 4, ["nbformat_minor"] = 5 }.ToJsonString());
        return path;
    }

    [Fact]
    public void StopsAtTheFirstFailingCellAndNamesNotebookCellAndMessage()
    {
        string path = Notebook("broken.ipynb", ("var x = 1;", []), ("throw new InvalidOperationException(\"boom \" + x);", []), ("Console.WriteLine(\"never\");", []));
        var run = NotebookRunner.Run(path);
        Assert.False(run.Succeeded);
        Assert.Equal(3, run.Failure!.Number);                      // the markdown title is cell 1
        Assert.Contains("broken.ipynb, cell 3", run.FailureMessage);
        Assert.Contains("boom 1", run.FailureMessage);
        Assert.Equal(2, run.Runs.Count);                            // the last cell never ran
    }

    [Fact]
    public void CompileErrorsFailTheCellToo()
    {
        var run = NotebookRunner.Run(Notebook("typo.ipynb", ("int y = \"text\";", [])));
        Assert.Contains("typo.ipynb, cell 2", run.FailureMessage);
        Assert.Contains("CS0029", run.FailureMessage);
    }

    [Fact]
    public void NotebookRunWritesOutputsParametersAndTheRunNoteBack()
    {
        string path = Notebook("params.ipynb", ("var steps = 3;", [NotebookRunner.ParametersTag]), ("Console.WriteLine($\"steps {steps}\"); steps * 2", []));
        var stdout = new StringWriter();
        int exit = CliApp.Run(["notebook", "run", path, "--set", "steps = 20;"], TextReader.Null, stdout, new StringWriter());
        Assert.True(exit == 0, stdout.ToString());

        var written = JsonNode.Parse(File.ReadAllText(path))!;
        var cells = (JsonArray)written["cells"]!;
        Assert.Equal(4, cells.Count);                                   // the injected parameters cell follows the parameters cell
        Assert.Equal(NotebookRunner.InjectedParametersTag, cells[2]!["metadata"]!["tags"]![0]!.GetValue<string>());
        var outputs = (JsonArray)cells[3]!["outputs"]!;
        Assert.Contains(outputs, o => o!["output_type"]!.GetValue<string>() == "stream" && o["text"]!.GetValue<string>().Contains("steps 20"));
        var result = outputs.Single(o => o!["output_type"]!.GetValue<string>() == "execute_result")!["data"]!.AsObject();
        Assert.Contains("<pre>40</pre>", result["text/html"]!.GetValue<string>());
        var note = written["metadata"]!["chatglmlab_run"]!;
        Assert.Contains("cores", note["machine"]!.GetValue<string>());
        Assert.True(note["succeeded"]!.GetValue<bool>());
    }

    [Fact]
    public void A_parameter_the_notebook_does_not_declare_is_a_usage_error_naming_the_parameters_cell()
    {
        string path = Notebook("undeclared.ipynb", ("var steps = 3;", [NotebookRunner.ParametersTag]), ("Console.WriteLine(steps);", []));
        byte[] before = File.ReadAllBytes(path);
        var stderr = new StringWriter();
        int exit = CliApp.Run(["notebook", "run", path, "--set", "stpes = 20;", "--no_write"], TextReader.Null, new StringWriter(), stderr);
        Assert.True(exit == CliApp.UsageError, stderr.ToString());
        Assert.Contains("undeclared.ipynb, cell 3 (the parameters given with --set)", stderr.ToString());
        Assert.Contains("stpes", stderr.ToString());
        Assert.Contains("the parameters cell (cell 2) declares", stderr.ToString());
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void An_output_path_that_cannot_be_written_is_refused_before_any_cell_runs()
    {
        string path = Notebook("ok.ipynb", ("File.WriteAllText(\"ran.txt\", \"x\");", []));
        foreach (var output in new[] { _dir, Path.Combine(path, "out.ipynb") })
        {
            var stderr = new StringWriter();
            Assert.Equal(CliApp.UsageError, CliApp.Run(["notebook", "run", path, "--output", output], TextReader.Null, new StringWriter(), stderr));
            Assert.Contains($"--output {output}", stderr.ToString());
        }
        Assert.False(File.Exists(Path.Combine(_dir, "ran.txt")));   // the notebook's folder is its working directory
    }

    [Fact]
    public void FailingNotebookRunExitsOneWithTheCell()
    {
        string path = Notebook("fails.ipynb", ("throw new Exception(\"bad parameter\");", []));
        var stderr = new StringWriter();
        Assert.Equal(CliApp.Failed, CliApp.Run(["notebook", "run", path, "--no_write"], TextReader.Null, new StringWriter(), stderr));
        Assert.Contains("fails.ipynb, cell 2", stderr.ToString());
        Assert.Contains("bad parameter", stderr.ToString());
    }

    [Fact]
    public void ANotebookOutsideTheRepositoryFailsInItsFirstCellSayingTheKitIsNotBuilt()
    {
        // The same relative kit path, resolved from a folder where no kit was built.
        string copy = Path.Combine(_dir, "notebooks", "01-dataset.ipynb");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(Path.Combine(NotebookFiles.Folder, "01-dataset.ipynb"), copy);
        File.Copy(Path.Combine(NotebookFiles.Folder, "setup.dib"), Path.Combine(Path.GetDirectoryName(copy)!, "setup.dib"));
        var run = NotebookRunner.Run(copy);
        Assert.Equal(2, run.Failure?.Number);
        Assert.Contains("The kit is not built", run.FailureMessage);
        Assert.Contains("dotnet build -c Release", run.FailureMessage);
    }
}
