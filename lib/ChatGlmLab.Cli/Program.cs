using ChatGlmLab.Benchmarks;
using static TorchSharp.torch;

// Minimal command dispatcher; later issues add train / predict / chat / export / compare.
var command = args.Length > 0 ? args[0] : "help";
switch (command)
{
    case "bench":
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
        {
            var r = ModelBenchmark.Run(new ModelBenchmarkOptions { DType = dtype });
            Console.WriteLine($"{r.DType,-9} params {r.Parameters / 1e6:F1}M  forward {r.ForwardTokensPerSecond,8:F0} tok/s (prompt {r.PromptLength})  " +
                              $"prefill {r.PrefillSeconds * 1000:F0} ms  greedy decode {r.DecodeTokensPerSecond,6:F1} tok/s ({r.NewTokens} new, KV cache)");
        }
        return 0;
    case "memory":
        var config = ChatGlmLab.Modeling.ChatGlmConfig.ChatGlm6B();
        var size = ChatGlmLab.Modeling.ModelSize.Of(config);
        Console.WriteLine($"chatglm-6b: {size.Parameters:N0} parameters (computed on the meta device)");
        Console.WriteLine($"weights: fp32 {size.Bytes(ScalarType.Float32) / (double)(1L << 30):F2} GiB, fp16/bf16 {size.Bytes(ScalarType.Float16) / (double)(1L << 30):F2} GiB, " +
                          $"int8 {size.QuantizedBytes(8) / (double)(1L << 30):F2} GiB, int4 {size.QuantizedBytes(4) / (double)(1L << 30):F2} GiB");
        Console.WriteLine();
        Console.Write(ChatGlmLab.Experiments.MemoryTable.ToMarkdown(ChatGlmLab.Experiments.MemoryTable.Compute(config, ChatGlmLab.Experiments.MemoryTable.DefaultMethods())));
        return 0;
    default:
        Console.WriteLine("usage: chatglm-lab bench | memory");
        return command == "help" ? 0 : 2;
}
