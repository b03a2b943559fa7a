using ChatGlmLab.Benchmarks;
using Xunit.Abstractions;

namespace ChatGlmLab.Tests.Metrics;

public class MetricsBenchmarkTests(ITestOutputHelper output)
{
    [Fact]
    public void BenchmarkRunsAndReportsThroughput()
    {
        MetricsBenchmarkResult result = MetricsBenchmark.Run(pairs: 200);
        output.WriteLine(result.ToString());
        Assert.Equal(200, result.Pairs);
        Assert.True(result.PairsPerSecond > 0);
    }
}
