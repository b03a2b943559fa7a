namespace ChatGlmLab.Tests.Infrastructure;

public class FixturesTests
{
    [Fact]
    public void SharedFixturesAreReachable()
    {
        Assert.True(File.Exists(Paths.Fixture("README.md")), $"fixtures not found at {Paths.Fixtures}");
        Assert.True(File.Exists(Paths.SharedData("cluener2020", "dev.json")));
    }
}
