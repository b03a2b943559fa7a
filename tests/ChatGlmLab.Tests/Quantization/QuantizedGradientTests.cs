using ChatGlmLab.Modeling;
using ChatGlmLab.Quantization;
using static TorchSharp.torch;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Quantization;

/// <summary>
/// LoRA / P-Tuning train on a quantized base: the quantized weights never require grad, and gradients
/// flow through the dequantized matmul to whatever comes before it.
/// </summary>
public class QuantizedGradientTests
{
    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void LossBackpropagatesThroughQuantizedLayersButNotIntoThem(int bits)
    {
        using var model = ChatGlmForConditionalGeneration.FromPretrained(Paths.Fixture("chatglm-tiny"), new ModelLoadOptions { QuantizationBit = bits });
        model.train();
        using var scope = NewDisposeScope();
        var c4 = QuantFixture.Cases.GetProperty("case4_training_loss");
        var ids = FixtureJson.LongArray(c4.GetProperty("input_ids"));
        var labels = FixtureJson.LongArray(c4.GetProperty("labels"));

        var loss = model.forward(tensor(ids, [1, ids.Length]), null, null, tensor(labels, [1, labels.Length])).Loss!;
        Assert.True(loss.requires_grad);
        loss.backward();

        // The embedding feeds layer 0's query_key_value: its gradient can only arrive through every
        // quantized linear above it, so a non-zero gradient here proves the path is differentiable.
        var embeddingGrad = model.transformer.word_embeddings.weight.grad;
        Assert.NotNull(embeddingGrad);
        Assert.True(embeddingGrad!.abs().sum().item<float>() > 0);
        var ln0Grad = model.transformer.layers[0].input_layernorm.weight.grad;
        Assert.NotNull(ln0Grad);
        Assert.True(ln0Grad!.abs().sum().item<float>() > 0);

        foreach (var (prefix, layer) in Quantizer.QuantizedLinears(model))
        {
            Assert.False(layer.weight.requires_grad, $"{prefix}.weight requires grad");
            Assert.False(layer.weight_scale.requires_grad, $"{prefix}.weight_scale requires grad");
            Assert.Null(layer.weight.grad);
            Assert.Null(layer.weight_scale.grad);
            Assert.False(layer.bias!.requires_grad, $"{prefix}.bias should be frozen like upstream");
            Assert.Null(layer.bias.grad);
            Assert.DoesNotContain(layer.parameters(), p => p.requires_grad);
        }
        // Nothing quantized is visible to an optimizer.
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
        Assert.DoesNotContain(trainable, n => n.EndsWith(".weight_scale") || Quantizer.BlockLinearNames.Any(l => n.Contains(l)));
    }

    [Theory]
    [InlineData(8, DequantizationMode.Float32)]
    [InlineData(4, DequantizationMode.Float16)]
    public void InputGradientIsTheUpstreamGradOutputTimesDequantizedWeight(int bits, DequantizationMode mode)
    {
        using var scope = NewDisposeScope();
        using var model = ChatGlmForConditionalGeneration.FromPretrained(Paths.Fixture("chatglm-tiny"), new ModelLoadOptions { QuantizationBit = bits });
        var layer = (QuantizedLinear)model.transformer.layers[1].mlp.dense_4h_to_h;
        layer.Mode = mode;
        var x = randn(3, 5, layer.InFeatures).requires_grad_(true);
        var y = layer.forward(x);
        var g = randn_like(y);
        (y * g).sum().backward();
        // Upstream W8A16Linear.backward: grad_input = grad_output.mm(dequantized weight).
        var expected = g.reshape(-1, layer.OutFeatures).mm(layer.DequantizedWeight(ScalarType.Float32, mode)).reshape(x.shape);
        Assert.True(x.grad!.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void GradientsEqualThoseOfAFloatModelHoldingTheDequantizedWeights(int bits)
    {
        // The quantized layers' backward (which dequantizes again instead of saving the float weight)
        // must give the same loss and gradients as ordinary float linears holding the same weights.
        using var quantized = ChatGlmForConditionalGeneration.FromPretrained(Paths.Fixture("chatglm-tiny"), new ModelLoadOptions { QuantizationBit = bits });
        using var twin = ChatGlmForConditionalGeneration.FromPretrained(Paths.Fixture("chatglm-tiny"));
        using (no_grad())
        {
            var twinState = twin.state_dict();
            foreach (var (prefix, layer) in Quantizer.QuantizedLinears(quantized))
                twinState[prefix + ".weight"].copy_(layer.DequantizedWeight(ScalarType.Float32));
        }
        foreach (var (name, p) in twin.named_parameters())
            if (Quantizer.BlockLinearNames.Any(l => name.Contains(l))) p.requires_grad = false;

        using var scope = NewDisposeScope();
        var c4 = QuantFixture.Cases.GetProperty("case4_training_loss");
        var ids = FixtureJson.LongArray(c4.GetProperty("input_ids"));
        var labels = FixtureJson.LongArray(c4.GetProperty("labels"));
        var qLoss = quantized.forward(tensor(ids, [1, ids.Length]), null, null, tensor(labels, [1, labels.Length])).Loss!;
        var fLoss = twin.forward(tensor(ids, [1, ids.Length]), null, null, tensor(labels, [1, labels.Length])).Loss!;
        Assert.Equal(fLoss.item<float>(), qLoss.item<float>(), 5);
        qLoss.backward();
        fLoss.backward();
        var twinParams = twin.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        int compared = 0;
        foreach (var (name, p) in quantized.named_parameters())
        {
            if (!p.requires_grad) continue;
            var expected = twinParams[name].grad!;
            Assert.True(p.grad!.allclose(expected, rtol: 1e-4, atol: 1e-6), $"{name}: gradient differs from the float twin");
            compared++;
        }
        Assert.True(compared >= 1 + 4 * quantized.Config.NumLayers + 2, $"only {compared} gradients compared");
    }

    [Fact]
    public void AnUnfrozenBiasGetsItsGradient()
    {
        using var scope = NewDisposeScope();
        using var model = ChatGlmForConditionalGeneration.FromPretrained(Paths.Fixture("chatglm-tiny"), new ModelLoadOptions { QuantizationBit = 4 });
        var layer = (QuantizedLinear)model.transformer.layers[0].attention.query_key_value;
        layer.bias!.requires_grad = true;
        var x = randn(2, 3, layer.InFeatures);                 // input needs no grad: only the bias does
        var y = layer.forward(x);
        var g = randn_like(y);
        (y * g).sum().backward();
        Assert.True(layer.bias.grad!.allclose(g.sum([0, 1]), rtol: 1e-5, atol: 1e-6));
        Assert.Null(layer.weight.grad);
    }
}
