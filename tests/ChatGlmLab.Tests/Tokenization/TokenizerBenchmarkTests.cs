using ChatGlmLab.Benchmarks;
using ChatGlmLab.Tokenization;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Tokenization;

public sealed class TokenizerBenchmarkTests(SmallTokenizerFixture fixture) : IClassFixture<SmallTokenizerFixture>
{
    [Fact]
    public void Benchmark_reports_cluener_dev_figures()
    {
        var dev = JsonLinesCorpus.ReadField(Paths.SharedData("cluener2020", "dev.json")).ToList();
        var result = TokenizerBenchmark.Run(fixture.Tokenizer, dev, passes: 1);
        Assert.Equal(1343, result.Sentences);
        Assert.Equal(dev.Sum(s => fixture.Tokenizer.Encode(s, addSpecialTokens: true).Length), result.TokensPerPass);
        Assert.True(result.SentencesPerSecond > 0 && result.TokensPerSecond > 0, result.ToString());
    }
}
