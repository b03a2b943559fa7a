using ChatGlmLab.Adapters;
using ChatGlmLab.Training;
using Parameter = TorchSharp.Modules.Parameter;
using AdamW = ChatGlmLab.Training.AdamW;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Training;

/// <summary>AdamW variants, weight-decay groups, clipping, and float32 masters.</summary>
public sealed class OptimizerTests
{
    private static readonly float[] Start = [0.5f, -1.0f, 2.0f];
    private static readonly float[][] Grads = [[0.1f, -0.2f, 0.3f], [1.0f, 0.5f, -0.25f], [-0.3f, 0.0f, 0.7f]];

    [Fact]
    public void TorchVariantMatchesTorchOptimAdamW()
    {
        using var mine = new Parameter(tensor(Start));
        using var reference = new Parameter(tensor(Start));
        var p = new TrainableParameter("w", mine, decayWeights: true);
        var adam = new AdamW([p], 0.9, 0.999, 1e-8, weightDecay: 0.1, torchVariant: true);
        var torchAdam = optim.AdamW([reference], lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.1);
        foreach (var g in Grads)
        {
            mine.grad = tensor(g);
            reference.grad = tensor(g);
            adam.Step(0.01);
            torchAdam.step();
        }
        var a = mine.data<float>().ToArray();
        var b = reference.data<float>().ToArray();
        for (int i = 0; i < a.Length; i++) Assert.Equal(b[i], a[i], 6);
        Assert.NotEqual(Start[0], a[0]);
    }

    [Fact]
    public void HfVariantFollowsTransformersFormula()
    {
        using var w = new Parameter(tensor(Start));
        var p = new TrainableParameter("w", w, decayWeights: true);
        var adam = new AdamW([p], 0.9, 0.999, 1e-8, weightDecay: 0.1, torchVariant: false);
        double lr = 0.01;
        var expected = Start.Select(x => (double)x).ToArray();
        var m = new double[3];
        var v = new double[3];
        for (int t = 1; t <= Grads.Length; t++)
        {
            w.grad = tensor(Grads[t - 1]);
            adam.Step(lr);
            double stepSize = lr * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t));
            for (int i = 0; i < 3; i++)
            {
                double g = Grads[t - 1][i];
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                expected[i] -= stepSize * m[i] / (Math.Sqrt(v[i]) + 1e-8);
                expected[i] -= lr * 0.1 * expected[i];   // decoupled decay after the update
            }
        }
        var got = w.data<float>().ToArray();
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], got[i], 5);
    }

    [Fact]
    public void NoDecayForBiasesAndLayerNorms()
    {
        using var model = TinyTrainingData.LoadModel();
        FineTuning.Prepare(model, FinetuningOptions.For(FinetuningType.Full));
        var noDecay = WeightDecayGroups.NoDecayNames(model);
        Assert.Contains("transformer.layers.0.input_layernorm.weight", noDecay);
        Assert.Contains("transformer.layers.0.input_layernorm.bias", noDecay);
        Assert.Contains("transformer.final_layernorm.weight", noDecay);
        Assert.Contains("transformer.layers.1.mlp.dense_h_to_4h.bias", noDecay);
        Assert.DoesNotContain("transformer.layers.1.mlp.dense_h_to_4h.weight", noDecay);
        Assert.DoesNotContain("transformer.word_embeddings.weight", noDecay);
        Assert.DoesNotContain("lm_head.weight", noDecay);
        // 2 layers × (2 layer norms × 2 + 4 linear biases) + final layer norm × 2.
        Assert.Equal(2 * (4 + 4) + 2, noDecay.Count);
    }

    [Fact]
    public void ClippingScalesToMaxNormLikeTorch()
    {
        using var a = tensor(new float[] { 3, 0 });
        using var b = tensor(new float[] { 0, 4 });
        double norm = GradientClipping.ClipByTotalNorm([a, b], 1.0);
        Assert.Equal(5.0, norm, 5);
        Assert.Equal(3 / (5 + 1e-6), a[0].item<float>(), 5);
        Assert.Equal(4 / (5 + 1e-6), b[1].item<float>(), 5);
        // Below the limit nothing changes.
        double again = GradientClipping.ClipByTotalNorm([a, b], 10.0);
        Assert.Equal(1.0, again, 4);
        Assert.Equal(3 / (5 + 1e-6), a[0].item<float>(), 5);
    }

    [Fact]
    public void Bf16ParameterGetsFloat32MasterThatKeepsSmallUpdates()
    {
        // 1 + 1e-4 is not representable in bf16 (spacing 2^-7 near 1): updates applied to the bf16
        // weight would vanish; the float32 master accumulates them.
        using var w = new Parameter(ones(4, dtype: ScalarType.BFloat16));
        var p = new TrainableParameter("w", w, decayWeights: false);
        Assert.True(p.HasSeparateMaster);
        Assert.Equal(ScalarType.Float32, p.Master.dtype);
        var adam = new AdamW([p], 0.9, 0.999, 1e-8, 0, torchVariant: true);
        for (int i = 0; i < 10; i++)
        {
            w.grad = full(4, -1.0f, dtype: ScalarType.BFloat16);
            p.AccumulateGradient();
            Assert.Equal(0f, w.grad!.abs().sum().to(ScalarType.Float32).item<float>());   // moved into the float32 accumulator
            adam.Step(1e-4);
            adam.ZeroGradients();
        }
        Assert.Equal(1.001, p.Master[0].item<float>(), 5);
        Assert.Equal(ScalarType.BFloat16, w.dtype);
    }
}
