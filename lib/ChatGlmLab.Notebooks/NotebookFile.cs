using System.Text.Json;
using System.Text.Json.Nodes;

namespace ChatGlmLab.Notebooks;

/// <summary>One cell of a Jupyter notebook as the runner sees it.</summary>
public sealed record NotebookCell(int Number, string CellType, string KernelName, string Source, IReadOnlyList<string> Tags)
{
    public bool IsCode => CellType == "code";
    public bool HasTag(string tag) => Tags.Contains(tag);
}

/// <summary>
/// An .ipynb read as JSON, so that writing outputs back changes nothing but the outputs, execution
/// counts and the run note: the kernel metadata VS Code (Polyglot Notebooks) and Jupyter wrote, cell
/// ids and tags stay exactly as they were.
/// </summary>
public sealed class NotebookFile
{
    public const string DefaultKernel = "csharp";
    private static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly JsonObject _root;

    private NotebookFile(string path, JsonObject root) { Path = path; _root = root; }

    public string Path { get; }
    public string Name => System.IO.Path.GetFileName(Path);

    public static NotebookFile Read(string path)
    {
        JsonNode? parsed;
        try { parsed = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a Jupyter notebook (not valid JSON: line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}); give an .ipynb file saved by Jupyter or VS Code");
        }
        var node = parsed as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object (not a Jupyter notebook)");
        if (node["cells"] is not JsonArray) throw new InvalidDataException($"{path}: no 'cells' array (not a Jupyter notebook)");
        return new NotebookFile(path, node);
    }

    private JsonArray CellNodes => (JsonArray)_root["cells"]!;

    /// <summary>The default kernel of the notebook (Polyglot metadata), "csharp" when none is named.</summary>
    public string NotebookKernel => _root["metadata"]?["polyglot_notebook"]?["kernelInfo"]?["defaultKernelName"]?.GetValue<string>() ?? DefaultKernel;

    public IReadOnlyList<NotebookCell> Cells => CellNodes.Select((c, i) => new NotebookCell(
        i + 1,
        c!["cell_type"]?.GetValue<string>() ?? "code",
        c["metadata"]?["polyglot_notebook"]?["kernelName"]?.GetValue<string>() ?? c["metadata"]?["dotnet_interactive"]?["language"]?.GetValue<string>() ?? NotebookKernel,
        SourceText(c["source"]),
        c["metadata"]?["tags"] is JsonArray tags ? tags.Select(t => t!.GetValue<string>()).ToList() : [])).ToList();

    /// <summary>Jupyter stores source either as one string or as a list of lines (each keeping its newline).</summary>
    private static string SourceText(JsonNode? source) => source switch
    {
        JsonArray lines => string.Concat(lines.Select(l => l!.GetValue<string>())),
        JsonValue text => text.GetValue<string>(),
        _ => "",
    };

    /// <summary>Inserts a code cell after the cell numbered <paramref name="afterNumber"/> (papermill's injected parameters).</summary>
    public void InsertCodeCell(int afterNumber, string source, string tag)
    {
        var cell = new JsonObject
        {
            ["cell_type"] = "code",
            ["execution_count"] = null,
            ["metadata"] = new JsonObject
            {
                ["polyglot_notebook"] = new JsonObject { ["kernelName"] = DefaultKernel },
                ["tags"] = new JsonArray(tag),
            },
            ["outputs"] = new JsonArray(),
            ["source"] = Lines(source),
        };
        CellNodes.Insert(afterNumber, cell);
    }

    public void SetOutputs(int number, int? executionCount, IEnumerable<JsonObject> outputs)
    {
        var cell = (JsonObject)CellNodes[number - 1]!;
        cell["execution_count"] = executionCount;
        cell["outputs"] = new JsonArray(outputs.Cast<JsonNode>().ToArray());
    }

    /// <summary>Clears every code cell's outputs (a run starts from a clean notebook, so no stale output survives a failure).</summary>
    public void ClearOutputs()
    {
        foreach (var cell in CellNodes.OfType<JsonObject>().Where(c => c["cell_type"]?.GetValue<string>() == "code"))
        {
            cell["execution_count"] = null;
            cell["outputs"] = new JsonArray();
        }
    }

    /// <summary>Records how the outputs were made (machine, time, seconds per cell) in the notebook metadata.</summary>
    public void SetRunNote(JsonObject note)
    {
        var metadata = _root["metadata"] as JsonObject ?? new JsonObject();
        metadata["chatglmlab_run"] = note;
        _root["metadata"] = metadata;
    }

    public void Write(string path) => File.WriteAllText(path, _root.ToJsonString(WriteOptions) + "\n");

    /// <summary>Source as a list of lines with their newlines, as Jupyter and VS Code write it.</summary>
    public static JsonArray Lines(string text)
    {
        var array = new JsonArray();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
            if (text[i] == '\n') { array.Add(text[start..(i + 1)]); start = i + 1; }
        if (start < text.Length) array.Add(text[start..]);
        return array;
    }
}
