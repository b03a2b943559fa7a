using ChatGlmLab.Generation;
using static TorchSharp.torch;
using ChatGlmLab.Tests.Infrastructure;
using ChatGlmLab.Tests.Modeling;

namespace ChatGlmLab.Tests.Generation;

public class GenerationTests(TinyModelFixture fx) : IClassFixture<TinyModelFixture>
{
    private static long[] NewTokens(Tensor output, long promptLength, int row = 0) =>
        output[row].narrow(0, promptLength, output.shape[1] - promptLength).data<long>().ToArray();

    [Fact]
    public void LeftPaddedBatchGeneratesWhatEachRowGeneratesAlone()
    {
        var c2 = fx.Cases.GetProperty("case2_left_padded_batch");
        var tb = c2.GetProperty("tokenizer_built");
        var ids = TensorAssert.LongTensor(c2.GetProperty("input_ids"));
        var options = new GenerationOptions { MaxNewTokens = 6, EosTokenId = -1 };
        var batch = fx.Model.Generate(ids, options, TensorAssert.BoolTensor(tb.GetProperty("attention_mask")), TensorAssert.LongTensor(tb.GetProperty("position_ids")));

        var rows = c2.GetProperty("rows_unpadded").EnumerateArray().Select(r => FixtureJson.LongArray(r)).ToList();
        for (int r = 0; r < rows.Count; r++)
        {
            var alone = fx.Model.Generate(tensor(rows[r], [1, rows[r].Length]), options);
            Assert.Equal(NewTokens(alone, rows[r].Length), NewTokens(batch, ids.shape[1], r));
        }
    }

    [Fact]
    public void RowsStopAtEosAndArePaddedAfterwards()
    {
        var prompt = tensor(new long[] { 358, 241, 229, 475, 301, 27, 431, 591, 594 }, [1, 9]);
        var greedy = NewTokens(fx.Model.Generate(prompt, new GenerationOptions { MaxNewTokens = 8 }), 9);
        // Declare the third greedy token to be eos: generation must stop right after it.
        var stopped = NewTokens(fx.Model.Generate(prompt, new GenerationOptions { MaxNewTokens = 8, EosTokenId = (int)greedy[2] }), 9);
        Assert.Equal(greedy.Take(3), stopped);

        // In a left-padded batch, a row that stopped gets pad tokens while the other continues.
        var c2 = fx.Cases.GetProperty("case2_left_padded_batch");
        var tb = c2.GetProperty("tokenizer_built");
        var ids = TensorAssert.LongTensor(c2.GetProperty("input_ids"));
        var mask = TensorAssert.BoolTensor(tb.GetProperty("attention_mask"));
        var positions = TensorAssert.LongTensor(tb.GetProperty("position_ids"));
        var free = fx.Model.Generate(ids, new GenerationOptions { MaxNewTokens = 6, EosTokenId = -1 }, mask, positions);
        long[] row0 = NewTokens(free, ids.shape[1], 0), row1 = NewTokens(free, ids.shape[1], 1);
        int k = Enumerable.Range(0, 4).First(i => !row1.Contains(row0[i]) && !row0.Take(i).Contains(row0[i]));
        var output = fx.Model.Generate(ids, new GenerationOptions { MaxNewTokens = 6, EosTokenId = (int)row0[k] }, mask, positions);
        var got0 = NewTokens(output, ids.shape[1], 0);
        Assert.Equal(row0.Take(k + 1), got0.Take(k + 1));
        Assert.All(got0.Skip(k + 1), t => Assert.Equal(fx.Model.Config.PadTokenId, t));
        Assert.Equal(row1, NewTokens(output, ids.shape[1], 1));
    }

    [Fact]
    public void SamplingIsReproducibleWithASeedAndTopKOneIsGreedy()
    {
        var prompt = tensor(new long[] { 358, 241, 229, 475, 301, 27, 431, 591, 594 }, [1, 9]);
        var sample = new GenerationOptions { MaxNewTokens = 8, DoSample = true, TopP = 0.7, Temperature = 0.95, Seed = 7, EosTokenId = -1 };
        Assert.Equal(NewTokens(fx.Model.Generate(prompt, sample), 9), NewTokens(fx.Model.Generate(prompt, sample), 9));
        var greedy = NewTokens(fx.Model.Generate(prompt, new GenerationOptions { MaxNewTokens = 8, EosTokenId = -1 }), 9);
        Assert.Equal(greedy, NewTokens(fx.Model.Generate(prompt, sample with { TopK = 1 }), 9));
    }

    [Fact]
    public void StreamingCallbackSeesEveryNewToken()
    {
        var prompt = tensor(new long[] { 358, 241, 229, 475, 301, 27, 431, 591, 594 }, [1, 9]);
        var streamed = new List<long>();
        var output = fx.Model.Generate(prompt, new GenerationOptions { MaxNewTokens = 5, EosTokenId = -1 }, onTokens: t => streamed.Add(t[0]));
        Assert.Equal(NewTokens(output, 9), streamed);
    }

    [Fact]
    public void TopPKeepsTheSmallestSetAboveTheMass()
    {
        // probabilities 0.5, 0.3, 0.15, 0.05: top_p 0.7 keeps the first two (HF removes cumulative ≤ 0.3 from the bottom).
        var scores = tensor(new[] { 0.5f, 0.3f, 0.15f, 0.05f }).log().unsqueeze(0);
        var kept = LogitsProcessing.TopP(scores, 0.7).isfinite().data<bool>().ToArray();
        Assert.Equal(new[] { true, true, false, false }, kept);
        var keepOne = LogitsProcessing.TopP(scores, 0.01).isfinite().data<bool>().ToArray();
        Assert.Equal(new[] { true, false, false, false }, keepOne);
    }

    [Fact]
    public void RepetitionPenaltyAndInvalidScoreGuardFollowUpstream()
    {
        var scores = tensor(new[] { 2f, -2f, 1f, 0.5f, 3f, 1f }).unsqueeze(0);
        var penalised = LogitsProcessing.RepetitionPenalty(scores, tensor(new long[] { 0, 1 }, [1, 2]), 2.0).data<float>().ToArray();
        Assert.Equal(new[] { 1f, -4f, 1f, 0.5f, 3f, 1f }, penalised);

        var invalid = tensor(new[] { 1f, float.NaN, 0f, 0f, 0f, 0f, 0f }).unsqueeze(0);
        var fixedScores = LogitsProcessing.InvalidScoreGuard(invalid).data<float>().ToArray();
        Assert.Equal(5e4f, fixedScores[LogitsProcessing.InvalidScoreForcedToken]);
        Assert.Equal(5e4f, fixedScores.Sum());
    }
}
