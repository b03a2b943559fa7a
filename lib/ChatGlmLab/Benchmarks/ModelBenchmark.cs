using System.Diagnostics;
using ChatGlmLab.Generation;
using ChatGlmLab.Modeling;
using static TorchSharp.torch;

namespace ChatGlmLab.Benchmarks;

/// <summary>Settings of the model speed benchmark (defaults: the mid-size config used in README).</summary>
public sealed record ModelBenchmarkOptions
{
    public int HiddenSize { get; init; } = 512;
    public int NumLayers { get; init; } = 6;
    public int NumHeads { get; init; } = 8;
    public int InnerHiddenSize { get; init; } = 2048;
    public int VocabSize { get; init; } = 32000;
    public int PromptLength { get; init; } = 256;
    public int NewTokens { get; init; } = 64;
    public int Repeats { get; init; } = 5;
    public ScalarType DType { get; init; } = ScalarType.Float32;

    public ChatGlmConfig Config() => new()
    {
        HiddenSize = HiddenSize, NumLayers = NumLayers, NumAttentionHeads = NumHeads, InnerHiddenSize = InnerHiddenSize,
        VocabSize = VocabSize, MaskTokenId = VocabSize - 10, GMaskTokenId = VocabSize - 9, BosTokenId = VocabSize - 6,
        EosTokenId = VocabSize - 5, PadTokenId = 3, MaxSequenceLength = 2048, TorchDtype = "float32",
    };
}

public sealed record ModelBenchmarkResult(string DType, int PromptLength, double ForwardTokensPerSecond,
    double PrefillSeconds, int NewTokens, double DecodeTokensPerSecond, long Parameters);

/// <summary>
/// Forward throughput (one 256-token prompt) and greedy decoding throughput with the KV cache, on a
/// randomly initialised model of the given size. Medians over repeats after a warm-up.
/// </summary>
public static class ModelBenchmark
{
    public static ModelBenchmarkResult Run(ModelBenchmarkOptions options)
    {
        manual_seed(0);
        var config = options.Config();
        using var model = ChatGlmForConditionalGeneration.Create(config, options.DType);
        model.eval();
        var rng = new Random(0);
        var prompt = Enumerable.Range(0, options.PromptLength - 2).Select(_ => (long)rng.Next(10, config.VocabSize - 20))
            .Append(config.GMaskTokenId).Append(config.BosTokenId).ToArray();
        var ids = tensor(prompt, [1, prompt.Length]);

        double forward = Median(options.Repeats, () =>
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            model.forward(ids);
        });

        // Decoding: never stop at eos, so every run produces exactly NewTokens tokens.
        var generation = new GenerationOptions { MaxNewTokens = options.NewTokens, EosTokenId = -1 };
        double prefill = Median(options.Repeats, () =>
        {
            using var scope = NewDisposeScope();
            TextGenerator.Generate(model, ids, generation with { MaxNewTokens = 1 });
        });
        double total = Median(options.Repeats, () =>
        {
            using var scope = NewDisposeScope();
            TextGenerator.Generate(model, ids, generation);
        });
        double decode = Math.Max(1e-9, total - prefill);
        return new ModelBenchmarkResult(options.DType.ToString(), options.PromptLength, options.PromptLength / forward,
            prefill, options.NewTokens, (options.NewTokens - 1) / decode, ModelSize.Of(model).Parameters);
    }

    private static double Median(int repeats, Action run)
    {
        run(); run(); // warm-up: allocator and kernel selection
        var times = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            run();
            times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
