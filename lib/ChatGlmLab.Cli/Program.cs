using ChatGlmLab.Benchmarks;
using ChatGlmLab.Experiments;
using static TorchSharp.torch;

// Minimal command dispatcher; later issues add train / predict / chat / export.
var command = args.Length > 0 ? args[0] : "help";
string? Option(string name) { int i = Array.IndexOf(args, "--" + name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
switch (command)
{
    case "compare":
    {
        string output = Option("output_dir") ?? "runs/compare";
        var options = Option("profile") == "reduced" ? CompareOptions.Reduced(output) : new CompareOptions { OutputDir = output };
        options = options with
        {
            DataDir = Option("dataset_dir") ?? options.DataDir,
            ModelNameOrPath = Option("model_name_or_path"),
            FinetuneSteps = Option("max_steps") is string s ? int.Parse(s) : options.FinetuneSteps,
        };
        var result = Comparison.Run(options, line => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}"));
        Console.WriteLine();
        Console.Write(ComparisonReport.PlainTable(result));
        Console.WriteLine();
        Console.WriteLine($"results: {Path.GetFullPath(Path.Combine(output, "results.json"))}");
        Console.WriteLine($"report:  {Path.GetFullPath(Path.Combine(output, "report.md"))}");
        return 0;
    }
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
        Console.Write(MemoryTable.ToMarkdown(MemoryTable.Compute(config, MemoryTable.DefaultMethods())));
        return 0;
    default:
        Console.WriteLine("usage: chatglm-lab compare [--profile reduced] [--output_dir DIR] [--dataset_dir DIR] [--model_name_or_path DIR] [--max_steps N] | bench | memory");
        return command == "help" ? 0 : 2;
}
