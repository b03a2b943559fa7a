using ChatGlmLab.Experiments;
using ChatGlmLab.Modeling;
using static TorchSharp.torch;

namespace ChatGlmLab.Cli.Commands;

/// <summary>ChatGLM-6B's parameter count and the memory table of the fine-tuning methods (computed on the meta device).</summary>
public static class MemoryCommand
{
    public static int Run(string[] args, CliContext context)
    {
        if (args.Length > 0) throw new CliUsageException("memory takes no arguments");
        var output = context.Stdout;
        var config = ChatGlmConfig.ChatGlm6B();
        var size = ModelSize.Of(config);
        output.WriteLine($"chatglm-6b: {size.Parameters:N0} parameters (computed on the meta device)");
        output.WriteLine($"weights: fp32 {size.Bytes(ScalarType.Float32) / (double)(1L << 30):F2} GiB, fp16/bf16 {size.Bytes(ScalarType.Float16) / (double)(1L << 30):F2} GiB, " +
                         $"int8 {size.QuantizedBytes(8) / (double)(1L << 30):F2} GiB, int4 {size.QuantizedBytes(4) / (double)(1L << 30):F2} GiB");
        output.WriteLine();
        output.Write(MemoryTable.ToMarkdown(MemoryTable.Compute(config, MemoryTable.DefaultMethods())));
        return CliApp.Ok;
    }
}
