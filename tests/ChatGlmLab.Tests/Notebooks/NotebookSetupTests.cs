using ChatGlmLab.Notebooks;

namespace ChatGlmLab.Tests.Notebooks;

/// <summary>
/// One setup for all notebooks: each starts with the same short cell importing notebooks/setup.dib, and no
/// notebook carries its own copy of the setup (the kit's path, its #r lines, the FSharp.Core check).
/// </summary>
public sealed class NotebookSetupTests
{
    public const string SetupCell = "#!import setup.dib\n";

    [Theory]
    [MemberData(nameof(NotebookFiles.Names), MemberType = typeof(NotebookFiles))]
    public void TheFirstCodeCellImportsTheSharedSetupAndNoCellRepeatsIt(string name)
    {
        var code = NotebookFile.Read(Path.Combine(NotebookFiles.Folder, name)).Cells.Where(c => c.IsCode).ToList();
        Assert.StartsWith(SetupCell, code[0].Source);
        Assert.Contains("throw", code[0].Source);   // the setup's problem (kit missing, old FSharp.Core) stops the notebook here
        Assert.All(code, c => Assert.DoesNotContain("#r \"", c.Source));
        Assert.All(code, c => Assert.DoesNotContain("AssemblyLoadContext", c.Source));
        // Learning rates and adapter settings come from the recipes (ComparedMethods), as the CLI's do, not from literals.
        if (code.FirstOrDefault(c => c.HasTag(NotebookRunner.ParametersTag)) is { } parameters)
            Assert.DoesNotMatch(@"(?i)\de-\d|loraRank = \d|preSeqLen = \d|numLayerTrainable = \d", parameters.Source);
    }

    [Fact]
    public void TheSetupChecksTheKitBeforeReferencingIt()
    {
        string setup = File.ReadAllText(Path.Combine(NotebookFiles.Folder, "setup.dib"));
        var cells = setup.Split("#!csharp").Skip(1).ToList();
        Assert.Equal(2, cells.Count);
        Assert.Contains("setupProblem", cells[0]);
        Assert.DoesNotContain("#r \"", cells[0]);
        Assert.Contains("#r \"../lib/ChatGlmLab.Charts/bin/Release/net10.0/ChatGlmLab.dll\"", cells[1]);
    }
}
