using ChatGlmLab.Generation;
using ChatGlmLab.Modeling;
using static TorchSharp.torch;
using ChatGlmLab.Tests.Infrastructure;
using ChatGlmLab.Tests.Tokenization;

namespace ChatGlmLab.Tests.Modeling;

/// <summary>Parity with the upstream PyTorch model on the fixtures (README tolerances).</summary>
public class ModelParityTests(TinyModelFixture fx) : IClassFixture<TinyModelFixture>
{
    private const double LogitTolerance = 1e-4;

    [Fact]
    public void ConfigReadsEveryKeyOfTheRealLayout()
    {
        var c = fx.Model.Config;
        Assert.Equal(64, c.HiddenSize);
        Assert.Equal(4, c.NumAttentionHeads);
        Assert.Equal(2, c.NumLayers);
        Assert.Equal(256, c.InnerHiddenSize);
        Assert.Equal(600, c.VocabSize);
        Assert.Equal(594, c.BosTokenId);
        Assert.Equal(595, c.EosTokenId);
        Assert.Equal(590, c.MaskTokenId);
        Assert.Equal(591, c.GMaskTokenId);
        Assert.Equal(3, c.PadTokenId);
        Assert.Null(c.Extra); // no key of the real config left unmodelled
    }

    [Fact]
    public void RotaryInverseFrequenciesAreRoundedToFloat16()
    {
        var expected = FixtureJson.Floats(fx.Cases.GetProperty("rotary_inv_freq"));
        Assert.Equal(expected, RotaryEmbedding.InverseFrequencies(fx.Model.Config.HeadDim));
    }

    [Fact]
    public void ResidualAlphaIsSqrt56ForEveryDepth()
    {
        Assert.Equal(fx.Cases.GetProperty("residual_alpha").GetDouble(), GLMBlock.ResidualAlpha, 12);
    }

    [Fact]
    public void StateDictKeysAreTheHuggingFaceOnes()
    {
        var expected = fx.Cases.GetProperty("state_dict_keys").EnumerateObject()
            .Select(p => p.Name).Where(k => !k.EndsWith("rotary_emb.inv_freq")).ToHashSet();
        var actual = fx.Model.state_dict().Keys.ToHashSet();
        Assert.Equal(expected.OrderBy(k => k), actual.OrderBy(k => k));
    }

    [Fact]
    public void Case1_BuiltMaskAndPositionsMatchUpstream()
    {
        var c1 = fx.Cases.GetProperty("case1_single_forward");
        var ids = TensorAssert.LongTensor(c1.GetProperty("input_ids"));
        var layout = ChatGlmInputs.Layout(ids.data<long>().ToArray(), 1, ids.shape[1], fx.Model.Config);
        TensorAssert.EqualLongs(c1.GetProperty("position_ids"), ChatGlmInputs.BuildPositionIds(layout, ids.shape[1], CPU), "position_ids");
        TensorAssert.EqualLongs(c1.GetProperty("attention_mask"), ChatGlmInputs.BuildAttentionMask(layout, ids.shape[1], CPU), "attention_mask");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Case1_LogitsAndHiddenStates(bool exactAttention)
    {
        var c1 = fx.Cases.GetProperty("case1_single_forward");
        using var _ = no_grad();
        var ids = TensorAssert.LongTensor(c1.GetProperty("input_ids"));
        var output = fx.Model.forward(new CausalLMInput(ids) { OutputHiddenStates = true, ExactUpstreamAttention = exactAttention });
        TensorAssert.Close(c1.GetProperty("logits"), output.Logits, LogitTolerance, "case1 logits");
        var states = c1.GetProperty("hidden_states").EnumerateArray().ToList();
        Assert.Equal(states.Count, output.HiddenStates!.Count);
        for (int i = 0; i < states.Count; i++)
            TensorAssert.Close(states[i], output.HiddenStates[i], LogitTolerance, $"hidden state {i}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Case2_LeftPaddedBatch_ModelBuiltAndTokenizerBuiltMasks(bool exactAttention)
    {
        var c2 = fx.Cases.GetProperty("case2_left_padded_batch");
        using var _ = no_grad();
        var ids = TensorAssert.LongTensor(c2.GetProperty("input_ids"));
        var modelBuilt = fx.Model.forward(new CausalLMInput(ids) { ExactUpstreamAttention = exactAttention, LastPositionOnly = true })
            .Logits.squeeze(1);
        TensorAssert.Close(c2.GetProperty("model_built").GetProperty("last_logits"), modelBuilt, LogitTolerance, "model-built masks");

        var tb = c2.GetProperty("tokenizer_built");
        var tokenizerBuilt = fx.Model.forward(new CausalLMInput(ids, TensorAssert.LongTensor(tb.GetProperty("position_ids")),
            TensorAssert.BoolTensor(tb.GetProperty("attention_mask"))) { ExactUpstreamAttention = exactAttention, LastPositionOnly = true })
            .Logits.squeeze(1);
        TensorAssert.Close(tb.GetProperty("last_logits"), tokenizerBuilt, LogitTolerance, "tokenizer-built masks");
        TensorAssert.Close(c2.GetProperty("row_b_unpadded_last_logits"), tokenizerBuilt.narrow(0, 1, 1), LogitTolerance, "row b equals unpadded");
    }

    [Fact]
    public void Case2_FullyMaskedPadRowsAreUniformLikeUpstream()
    {
        // Fast attention must equal the literal upstream arithmetic on every position, pad rows included.
        var tb = fx.Cases.GetProperty("case2_left_padded_batch").GetProperty("tokenizer_built");
        using var _ = no_grad();
        var ids = TensorAssert.LongTensor(fx.Cases.GetProperty("case2_left_padded_batch").GetProperty("input_ids"));
        var pos = TensorAssert.LongTensor(tb.GetProperty("position_ids"));
        var mask = TensorAssert.BoolTensor(tb.GetProperty("attention_mask"));
        var fast = fx.Model.forward(new CausalLMInput(ids, pos, mask)).Logits;
        var exact = fx.Model.forward(new CausalLMInput(ids, pos, mask) { ExactUpstreamAttention = true }).Logits;
        double diff = (fast - exact).abs().max().item<float>();
        Assert.True(diff < 1e-5, $"fast vs exact attention differ by {diff}");
    }

    [Fact]
    public void Case3_GreedyWithCacheMatchesUpstreamIdsAndStepLogits()
    {
        var c3 = fx.Cases.GetProperty("case3_greedy");
        var prompt = tensor(FixtureJson.LongArray(c3.GetProperty("prompt")), [1, c3.GetProperty("prompt").GetArrayLength()]);
        var expected = FixtureJson.LongArray(c3.GetProperty("generated_ids_with_cache"));
        var steps = c3.GetProperty("steps_with_cache").EnumerateArray().ToList();

        var stepLogits = new List<long[]>();
        var output = fx.Model.Generate(prompt, new ChatGlmLab.Generation.GenerationOptions { MaxNewTokens = c3.GetProperty("max_new_tokens").GetInt32() },
            onTokens: t => stepLogits.Add(t));
        var generated = output.narrow(1, prompt.shape[1], output.shape[1] - prompt.shape[1]).data<long>().ToArray();
        Assert.Equal(expected, generated);
        Assert.Equal(FixtureJson.LongArray(c3.GetProperty("generated_ids_without_cache")), generated);
        Assert.Equal(steps.Count, stepLogits.Count);

        // The decode-step inputs upstream fed (last token, [mask_position, len - context]) and their logits.
        using var _ = no_grad();
        using var cache = new KeyValueCache(fx.Model.Config.NumLayers, 32);
        for (int i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var ids = TensorAssert.LongTensor(step.GetProperty("input_ids"));
            var pos = TensorAssert.LongTensor(step.GetProperty("position_ids"));
            var maskJson = step.GetProperty("attention_mask");
            Tensor? mask = maskJson.ValueKind == System.Text.Json.JsonValueKind.Null ? null : TensorAssert.BoolTensor(maskJson);
            if (i > 0)
            {
                var layout = ChatGlmInputs.Layout(prompt.data<long>().ToArray(), 1, prompt.shape[1], fx.Model.Config);
                TensorAssert.EqualLongs(step.GetProperty("position_ids"), ChatGlmInputs.DecodePositionIds(layout, prompt.shape[1] + i, CPU), $"step {i} positions");
                Assert.Null(mask);
            }
            var logits = fx.Model.forward(new CausalLMInput(ids, pos, mask) { Cache = cache, LastPositionOnly = true }).Logits.view(-1);
            TensorAssert.Close(step.GetProperty("next_token_logits"), logits, LogitTolerance, $"step {i} logits");
        }
    }

    [Fact]
    public void Case3_GreedyWithoutCacheRecomputesTheSameIds()
    {
        var c3 = fx.Cases.GetProperty("case3_greedy");
        var ids = FixtureJson.LongArray(c3.GetProperty("prompt")).ToList();
        var steps = c3.GetProperty("steps_without_cache").EnumerateArray().ToList();
        using var _ = no_grad();
        for (int i = 0; i < steps.Count; i++)
        {
            var logits = fx.Model.forward(tensor(ids.ToArray(), [1, ids.Count])).Logits[0, -1];
            TensorAssert.Close(steps[i].GetProperty("next_token_logits"), logits, LogitTolerance, $"recompute step {i}");
            ids.Add(logits.argmax().item<long>());
        }
        Assert.Equal(FixtureJson.LongArray(c3.GetProperty("generated_ids_without_cache")), ids.Skip(9).ToArray());
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Case4_TrainingLossAndGradientNorms(bool keepSopLabel, bool logitsAtLabelsOnly)
    {
        var c4 = fx.Cases.GetProperty("case4_training_loss");
        var variant = keepSopLabel ? c4.GetProperty("variant_labels_keep_sop") : c4;
        var ids = FixtureJson.LongArray(c4.GetProperty("input_ids"));
        var labels = FixtureJson.LongArray(variant.GetProperty("labels"));

        using var model = ChatGlmForConditionalGeneration.FromPretrained(fx.Dir);
        model.eval(); // upstream computed the golden values in eval mode (no dropout exists anyway)
        // The trainer's forward (logits only where a label is predicted) must give upstream's loss and gradients too.
        var output = model.forward(new CausalLMInput(tensor(ids, [1, ids.Length]), Labels: tensor(labels, [1, labels.Length]))
            { LogitsAtLabelsOnly = logitsAtLabelsOnly });
        double loss = output.Loss!.item<float>();
        Assert.True(Math.Abs(loss - variant.GetProperty("loss").GetDouble()) < 1e-5, $"loss {loss} vs {variant.GetProperty("loss").GetDouble()}");

        output.Loss!.backward();
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var g in variant.GetProperty("grad_l2_norms").EnumerateObject())
        {
            double norm = parameters[g.Name].grad!.to(ScalarType.Float64).norm().item<double>();
            double expected = g.Value.GetDouble();
            Assert.True(Math.Abs(norm - expected) / expected < 1e-4, $"grad norm of {g.Name}: {norm} vs {expected}");
        }
    }
}
