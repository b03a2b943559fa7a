namespace ChatGlmLab.Tests.Training;

/// <summary>Tests that depend on the exact stream of torch's global random generator: run without other tests in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchGlobalRandomCollection
{
    public const string Name = "torch global random generator";
}
