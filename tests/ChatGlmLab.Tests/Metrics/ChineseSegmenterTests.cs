using ChatGlmLab.Metrics;

namespace ChatGlmLab.Tests.Metrics;

public class ChineseSegmenterTests
{
    [Fact]
    public void DictionariesAreLoadedFromBesideTheLibrary()
    {
        // The lib's build copies them to Resources/ next to ChatGlmLab.dll; they must flow to this output.
        string expected = Path.Combine(Path.GetDirectoryName(typeof(ChineseSegmenter).Assembly.Location)!, "Resources");
        if (Environment.GetEnvironmentVariable(JiebaDictionaryFolder.EnvironmentVariable) is not { Length: > 0 })
            Assert.Equal(expected, ChineseSegmenter.Shared.DictionaryFolder);
        foreach (string file in JiebaDictionaryFolder.RequiredFiles)
            Assert.True(File.Exists(Path.Combine(expected, file)), $"{file} was not copied to {expected}");
    }

    [Fact]
    public void MissingDictionariesFailWithAMessageNamingTheFolders()
    {
        string empty = Directory.CreateTempSubdirectory("jieba-empty-").FullName;
        try
        {
            var error = Assert.Throws<FileNotFoundException>(() => JiebaDictionaryFolder.Locate([empty]));
            Assert.Contains(empty, error.Message);
            Assert.Contains("dict.txt", error.Message);
            Assert.Contains(JiebaDictionaryFolder.EnvironmentVariable, error.Message);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Fact]
    public void WhitespaceIsKeptAsTokens() =>
        Assert.Equal([" ", " ", "两个", "空格", " ", " "], ChineseSegmenter.Shared.Cut("  两个空格  "));

    [Fact]
    public void EmojiStaysOneToken() =>
        Assert.Equal(["👍", "好", "的"], ChineseSegmenter.Shared.Cut("👍好的"));

    [Fact]
    public void EmptyTextHasNoTokens() => Assert.Empty(ChineseSegmenter.Shared.Cut(""));

    [Fact]
    public void ConcurrentCutsAgree()
    {
        const string text = "使用冷却液连接器拆卸工具，松开将冷却液输入管固定到功率转换系统的夹子。";
        List<string> expected = ChineseSegmenter.Shared.Cut(text);
        Parallel.For(0, 64, _ => Assert.Equal(expected, ChineseSegmenter.Shared.Cut(text)));
    }
}

public class ChineseSegmenterPythonDifferenceTests
{
    [Fact]
    public void MiddleDotIsATokenOfItsOwnAndSplitsTheText()
    {
        Assert.Equal(["乔治", "·", "华盛顿"], ChineseSegmenter.Shared.Cut("乔治·华盛顿"));
        Assert.Equal(["·", "·", "好"], ChineseSegmenter.Shared.Cut("··好"));
        Assert.Equal(["好", "·"], ChineseSegmenter.Shared.Cut("好·"));
    }
}
