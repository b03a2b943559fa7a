using ChatGlmLab.Benchmarks;
using static TorchSharp.torch;

namespace ChatGlmLab.Cli.Commands;

/// <summary>Forward and greedy-decode throughput of the default benchmark model in float32 and bfloat16.</summary>
public static class BenchCommand
{
    public static int Run(string[] args, CliContext context)
    {
        if (args.Length > 0) throw new CliUsageException("bench takes no arguments");
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
        {
            var r = ModelBenchmark.Run(new ModelBenchmarkOptions { DType = dtype });
            context.Stdout.WriteLine($"{r.DType,-9} params {r.Parameters / 1e6:F1}M  forward {r.ForwardTokensPerSecond,8:F0} tok/s (prompt {r.PromptLength})  " +
                                     $"prefill {r.PrefillSeconds * 1000:F0} ms  greedy decode {r.DecodeTokensPerSecond,6:F1} tok/s ({r.NewTokens} new, KV cache)");
        }
        return CliApp.Ok;
    }
}
