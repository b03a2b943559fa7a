using ChatGlmLab.Adapters;
using ChatGlmLab.Modeling;
using static TorchSharp.torch;
using ChatGlmLab.Tests.Infrastructure;
using ChatGlmLab.Tests.Tokenization;

namespace ChatGlmLab.Tests.Adapters;

/// <summary>P-Tuning v2 (case 5) and LoRA (case 6) against the upstream fixtures.</summary>
public class AdapterParityTests
{
    private static readonly System.Text.Json.JsonElement Cases = FixtureJson.Load("chatglm-tiny", "cases.json");
    private static string Tiny => Paths.Fixture("chatglm-tiny");

    private static Tensor Case1Ids() => TensorAssert.LongTensor(Cases.GetProperty("case1_single_forward").GetProperty("input_ids"));

    private static (Tensor Ids, Tensor Labels) Case4()
    {
        var c4 = Cases.GetProperty("case4_training_loss");
        var ids = FixtureJson.LongArray(c4.GetProperty("input_ids"));
        var labels = FixtureJson.LongArray(c4.GetProperty("labels"));
        return (tensor(ids, [1, ids.Length]), tensor(labels, [1, labels.Length]));
    }

    [Theory]
    [InlineData("chatglm-tiny-ptuning")]
    [InlineData("chatglm-tiny-ptuning-proj")]
    public void PTuningLogitsLossGradientsAndPrefixKeys(string folder)
    {
        var expected = Cases.GetProperty("case5_ptuning_v2").GetProperty(folder);
        using var model = ChatGlmForConditionalGeneration.FromPretrained(Tiny);
        PrefixTuning.Load(model, Paths.Fixture(folder));
        FineTuning.Prepare(model, FinetuningOptions.For(FinetuningType.PTuning));
        model.eval();

        var stateKeys = expected.GetProperty("prefix_state_keys").EnumerateObject().Select(p => p.Name).OrderBy(k => k);
        Assert.Equal(stateKeys, PrefixTuning.StateDict(model).Keys.OrderBy(k => k));

        using (no_grad())
        {
            var prefix = model.transformer.PrefixKeyValuesFor(1, ScalarType.Float32);
            // Fixture layout [P, batch, heads, head_dim]; ours [batch, heads, P, head_dim].
            TensorAssert.Close(expected.GetProperty("layer0_prefix_key"), prefix.Keys[0].permute(2, 0, 1, 3), 1e-6, "layer 0 prefix keys");
            TensorAssert.Close(expected.GetProperty("layer0_prefix_value"), prefix.Values[0].permute(2, 0, 1, 3), 1e-6, "layer 0 prefix values");
            TensorAssert.Close(expected.GetProperty("case1_logits"), model.forward(Case1Ids()).Logits, 1e-4, "p-tuning case1 logits");
        }

        var (ids, labels) = Case4();
        var loss = model.forward(ids, null, null, labels).Loss!;
        Assert.True(Math.Abs(loss.item<float>() - expected.GetProperty("case4_loss").GetDouble()) < 1e-5, $"loss {loss.item<float>()}");
        loss.backward();
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var g in expected.GetProperty("case4_grad_l2_norms").EnumerateObject())
        {
            double norm = parameters[g.Name].grad!.to(ScalarType.Float64).norm().item<double>();
            Assert.True(Math.Abs(norm - g.Value.GetDouble()) / g.Value.GetDouble() < 1e-4, $"{g.Name}: {norm} vs {g.Value.GetDouble()}");
        }
        Assert.All(parameters.Where(p => !p.Key.StartsWith(PrefixTuning.KeyPrefix)), p => Assert.Null(p.Value.grad));
    }

    [Fact]
    public void LoraFixtureAdapterLogitsLossAndMerge()
    {
        var expected = Cases.GetProperty("case6_lora");
        using var model = ChatGlmForConditionalGeneration.FromPretrained(Tiny);
        Lora.Load(model, Paths.Fixture("chatglm-tiny-lora"));
        model.eval();
        var adapters = Lora.Adapters(model).ToList();
        Assert.Equal(2, adapters.Count);
        Assert.All(adapters, a => Assert.Equal(expected.GetProperty("scaling").GetDouble(), a.Module.Scaling));

        using var _ = no_grad();
        var unmerged = model.forward(Case1Ids()).Logits;
        TensorAssert.Close(expected.GetProperty("case1_logits"), unmerged, 1e-4, "lora case1 logits");
        var (ids, labels) = Case4();
        double loss = model.forward(ids, null, null, labels).Loss!.item<float>();
        Assert.True(Math.Abs(loss - expected.GetProperty("case4_loss").GetDouble()) < 1e-5, $"lora loss {loss}");

        foreach (var (_, lora) in adapters) lora.Merge();
        var merged = model.forward(Case1Ids()).Logits;
        Assert.True((merged - unmerged).abs().max().item<float>() <= 1e-5, "merged differs from unmerged");
        foreach (var (_, lora) in adapters) lora.Unmerge();
        Assert.True((model.forward(Case1Ids()).Logits - unmerged).abs().max().item<float>() <= 1e-5, "unmerge did not restore");
    }
}
