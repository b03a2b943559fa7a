using ChatGlmLab.Datasets;
using ChatGlmLab.ModelInputs;
using ChatGlmLab.Tests.Tokenization;

namespace ChatGlmLab.Tests.ModelInputs;

/// <summary>SFT inputs and labels equal the toolkit's (fixtures' sft_examples, real ice_text.model).</summary>
public class SupervisedPreprocessorTests(RealTokenizerFixture fx) : IClassFixture<RealTokenizerFixture>
{
    public static TheoryData<int> Examples => TokenizerFixture.Indices("tokenizer", "sft_examples");

    private InstructionRecord Record(System.Text.Json.JsonElement e) =>
        new(e.Str("query"), "", e.Str("answer"), e.History());

    [Theory]
    [MemberData(nameof(Examples))]
    public void TrainingAndEvaluationInputsMatchTheToolkit(int index)
    {
        var e = fx.Cases.GetProperty("sft_examples")[index];
        var pre = new SupervisedPreprocessor(fx.Tokenizer, new SftOptions { Template = "chatglm-cet" });
        var record = Record(e);
        Assert.Equal(e.Str("prompt"), pre.Prompt(record));

        var train = pre.ForTraining(record);
        Assert.Equal(e.Ints("input_ids"), train.InputIds);
        Assert.Equal(e.Ints("labels"), train.Labels);

        var eval = pre.ForEvaluation(record);
        Assert.Equal(e.Ints("eval_input_ids"), eval.InputIds);
        Assert.Equal(e.Ints("eval_labels"), eval.Labels);
    }

    [Fact]
    public void KeepSopVariantLabelsTheSopToken()
    {
        var e = fx.Cases.GetProperty("sft_examples")[0];
        var masked = new SupervisedPreprocessor(fx.Tokenizer, new SftOptions { Template = "chatglm-cet" }).ForTraining(Record(e));
        var kept = new SupervisedPreprocessor(fx.Tokenizer, new SftOptions { Template = "chatglm-cet", KeepSopLabel = true }).ForTraining(Record(e));
        int sop = Array.IndexOf(masked.InputIds, fx.Tokenizer.BosId);
        Assert.Equal(SupervisedPreprocessor.IgnoreIndex, masked.Labels[sop]);
        Assert.Equal(fx.Tokenizer.BosId, kept.Labels[sop]);
        Assert.Equal(masked.Labels.Where((_, i) => i != sop), kept.Labels.Where((_, i) => i != sop));
    }

    [Fact]
    public void SourceAndTargetAreTruncatedLikeTheToolkit()
    {
        var record = new InstructionRecord(new string('修', 300), "", new string('拆', 300), InstructionRecord.NoHistory);
        var pre = new SupervisedPreprocessor(fx.Tokenizer, new SftOptions { MaxSourceLength = 16, MaxTargetLength = 8 });
        var train = pre.ForTraining(record);
        Assert.Equal(14 + 2 + 7 + 1, train.Length);     // source cut to 14, target to 7, plus [gMASK] <sop> and <eop>
        Assert.Equal(fx.Tokenizer.EosId, train.InputIds[^1]);
        var eval = pre.ForEvaluation(record);
        Assert.Equal(16, eval.InputIds.Length);
        Assert.Equal(8, eval.Labels.Length);            // target cut to 6, plus [gMASK] <sop>
    }
}
