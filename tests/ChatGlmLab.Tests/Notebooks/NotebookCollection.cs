namespace ChatGlmLab.Tests.Notebooks;

/// <summary>
/// Notebook runs change the process's working directory (to the notebook's folder, as VS Code does) and train
/// models: they run alone, after the parallel tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NotebookCollection
{
    public const string Name = "notebooks";
}
