using ChatGlmLab.Metrics;
using System.Diagnostics;

namespace ChatGlmLab.Benchmarks;

/// <summary>Throughput of <see cref="GenerationMetrics.Compute(IReadOnlyList{string}, IReadOnlyList{string})"/>.</summary>
public sealed record MetricsBenchmarkResult(
    int Pairs,
    double SegmenterLoadSeconds,
    double ComputeSeconds,
    double PairsPerSecond,
    double AverageCharacters)
{
    public override string ToString() =>
        $"{Pairs} pairs (avg {AverageCharacters:F1} chars) in {ComputeSeconds:F3} s = {PairsPerSecond:F0} pairs/s, single thread (segmenter loaded once in {SegmenterLoadSeconds:F2} s)";
}

/// <summary>
/// A small, deterministic benchmark: NER-style and sentence-style prediction/label pairs with seeded
/// edits (dropped, swapped and replaced characters), scored single-threaded.
/// </summary>
public static class MetricsBenchmark
{
    private static readonly string[] Labels =
    [
        "一般动作$一般工具$拆卸动作",
        "冷却液连接器拆卸工具$冷却液输入管$功率转换系统",
        "起始位置:0,终止位置:2",
        "使用冷却液连接器拆卸工具，松开将冷却液输入管固定到功率转换系统的夹子，并从功率转换系统上拆下导管。请参阅管路输入冷却液功率转换系统。",
        "浙商银行企业信贷部叶老桂博士则从另一个角度对五道门槛进行了解读。",
        "彭小军认为，国内银行现在走的是台湾的发卡模式，先通过跑马圈地再在圈的地里面选择客户，",
        "name:叶老桂;company:浙商银行",
        "无",
    ];

    public static MetricsBenchmarkResult Run(int pairs = 5000, int seed = 1234)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pairs);
        ChineseSegmenter segmenter = ChineseSegmenter.Shared;
        double loadSeconds = segmenter.LoadTime.TotalSeconds;

        var random = new Random(seed);
        var labels = new string[pairs];
        var predictions = new string[pairs];
        for (int i = 0; i < pairs; i++)
        {
            labels[i] = Labels[random.Next(Labels.Length)];
            predictions[i] = Perturb(labels[i], random);
        }

        var timer = Stopwatch.StartNew();
        GenerationMetrics.Compute(predictions, labels, segmenter);
        double seconds = timer.Elapsed.TotalSeconds;
        double averageCharacters = labels.Concat(predictions).Average(s => s.Length);
        return new MetricsBenchmarkResult(pairs, loadSeconds, seconds, pairs / seconds, averageCharacters);
    }

    /// <summary>Leaves a quarter of the pairs identical and applies 1..3 character edits to the rest.</summary>
    private static string Perturb(string label, Random random)
    {
        if (random.Next(4) == 0 || label.Length < 2)
            return label;
        var chars = new List<char>(label);
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits && chars.Count > 1; e++)
        {
            int at = random.Next(chars.Count);
            switch (random.Next(3))
            {
                case 0: chars.RemoveAt(at); break;
                case 1: chars[at] = "的了是在和拆装管"[random.Next(8)]; break;
                default: (chars[at], chars[^1]) = (chars[^1], chars[at]); break;
            }
        }
        return new string(chars.ToArray());
    }
}
