namespace ChatGlmLab.Tests.Notebooks;

/// <summary>The real-tool notebook test is SKIPPED with its reason outside CI when a tool is missing, and runs (to fail) in CI.</summary>
[Collection(NotebookCollection.Name)]
public sealed class RealToolsFactTests
{
    [Fact]
    public void Skips_with_the_missing_tool_outside_CI_and_never_skips_in_CI()
    {
        string? ci = Environment.GetEnvironmentVariable("CI");
        try
        {
            Environment.SetEnvironmentVariable("CI", null);
            string? missing = RealToolNotebookTests.Missing();
            var outside = new RealToolsFactAttribute();
            if (missing == null) Assert.Null(outside.Skip);
            else Assert.Equal($"not run here, needs {missing}", outside.Skip);

            Environment.SetEnvironmentVariable("CI", "true");
            Assert.Null(new RealToolsFactAttribute().Skip);
        }
        finally { Environment.SetEnvironmentVariable("CI", ci); }
    }
}
