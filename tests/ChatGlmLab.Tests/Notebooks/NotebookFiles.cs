using System.Text.Json.Nodes;
using ChatGlmLab.Notebooks;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Notebooks;

/// <summary>The repository's notebooks and what a run of one must show.</summary>
public static class NotebookFiles
{
    public static string Folder => Path.Combine(Paths.RepoRoot, "notebooks");

    /// <summary>The committed notebooks (not the hidden tiny-profile copies <see cref="TinyProfileCopy"/> writes).</summary>
    public static IEnumerable<string> All() =>
        Directory.EnumerateFiles(Folder, "*.ipynb").Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Order(StringComparer.Ordinal)!;

    /// <summary>
    /// The parameters that run <paramref name="notebook"/> in the tiny profile whatever its committed default is (notebook 5
    /// starts with the main job's profile, minutes of training); none for a notebook without a profile (notebook 1).
    /// </summary>
    public static string[] TinyProfile(NotebookFile notebook)
    {
        var parameters = notebook.Cells.SingleOrDefault(c => c.HasTag(NotebookRunner.ParametersTag))
            ?? throw new InvalidOperationException($"{notebook.Name}: no cell tagged '{NotebookRunner.ParametersTag}'");
        return parameters.Source.Contains("var profile", StringComparison.Ordinal) ? ["profile = \"tiny\";"] : [];
    }

    /// <summary>
    /// For tools that run a notebook file as it is (jupyter nbconvert): a hidden copy beside it with the tiny profile injected
    /// after its parameters cell, as papermill injects parameters (beside it, so its relative paths hold); the notebook
    /// itself when it has no profile. The caller deletes the copy.
    /// </summary>
    public static string TinyProfileCopy(string name)
    {
        string path = Path.Combine(Folder, name);
        var notebook = NotebookFile.Read(path);
        var tiny = TinyProfile(notebook);
        if (tiny.Length == 0) return path;
        NotebookRunner.InjectParameters(notebook, tiny);
        string copy = Path.Combine(Folder, "." + Path.GetFileNameWithoutExtension(name) + ".tiny.ipynb");
        notebook.Write(copy);
        return copy;
    }

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in All()) data.Add(name);
        return data;
    }

    /// <summary>A chart output: Plotly drawing a figure with at least one trace.</summary>
    public static bool IsChart(string html) => html.Contains("Plotly.newPlot(", StringComparison.Ordinal) && html.Contains("var data = [{", StringComparison.Ordinal);

    /// <summary>plotly.js itself inlined (the offline copy), not just a call into it.</summary>
    public static bool CarriesPlotlyJs(string html) => html.Contains("<script type=\"text/javascript\">", StringComparison.Ordinal) && html.Length > 1_000_000;

    /// <summary>Every HTML output of each cell of an executed .ipynb, by cell number.</summary>
    public static Dictionary<int, List<string>> HtmlOutputs(string ipynb)
    {
        var cells = (JsonArray)JsonNode.Parse(File.ReadAllText(ipynb))!["cells"]!;
        var result = new Dictionary<int, List<string>>();
        for (int i = 0; i < cells.Count; i++)
            result[i + 1] = (cells[i]!["outputs"] as JsonArray ?? []).Select(o => o!["data"]?["text/html"])
                .Select(h => h switch { JsonArray lines => string.Concat(lines.Select(l => l!.GetValue<string>())), JsonValue v => v.GetValue<string>(), _ => null })
                .OfType<string>().ToList();
        return result;
    }

    /// <summary>Error outputs ("ename: evalue") of an executed .ipynb, by cell number.</summary>
    public static IEnumerable<string> Errors(string ipynb)
    {
        var cells = (JsonArray)JsonNode.Parse(File.ReadAllText(ipynb))!["cells"]!;
        for (int i = 0; i < cells.Count; i++)
            foreach (var o in cells[i]!["outputs"] as JsonArray ?? [])
                if (o!["output_type"]?.GetValue<string>() == "error")
                    yield return $"cell {i + 1}: {o["ename"]}: {o["evalue"]}";
    }

    public static IReadOnlyList<int> ChartCells(string ipynb) =>
        NotebookFile.Read(ipynb).Cells.Where(c => c.HasTag("chart")).Select(c => c.Number).ToList();
}
