using ChatGlmLab.Benchmarks;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Training;

/// <summary>No tensor leaks over 1,000 small training steps (runs alone: RSS and thread settings are process-wide).</summary>
[Collection(TorchGlobalRandomCollection.Name)]
public sealed class MemoryStabilityTests
{
    [Fact]
    public void NoTensorLeaksAndFlatMemoryOverAThousandSteps()
    {
        // One thread: tiny ops on an oversubscribed 2-core machine are ~10× slower with two.
        int threads = get_num_threads();
        set_num_threads(1);
        MemoryStabilityResult r;
        try { r = TrainingBenchmark.MeasureMemoryStability(1000); }
        finally { set_num_threads(threads); }

        // Every tensor created during a step is disposed: the live count does not move.
        Assert.Equal(r.LiveTensorsAfterWarmup, r.LiveTensorsAtEnd);
        // Leaking one step's activations (~1.5 MB here) would add >1 GB over 900 steps. TorchSharp 0.107 itself
        // retains ~10–60 KB per step of native memory in a bare forward loop (measured), hence the margin.
        Assert.True(r.GrowthMb < 100, $"RSS grew {r.GrowthMb:F1} MB from step 100 ({r.RssAfterWarmupMb:F1} MB) to step 1000 ({r.RssAtEndMb:F1} MB)");
    }
}
