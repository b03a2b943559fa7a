using ChatGlmLab.Generation;
using ChatGlmLab.Generation.Constraints;
using static TorchSharp.torch;
using ChatGlmLab.Tests.Modeling;
using ChatGlmLab.Tests.Tokenization;

namespace ChatGlmLab.Tests.Generation;

public class ConstrainedDecodingTests(RealTokenizerFixture tok, TinyModelFixture fx) : IClassFixture<RealTokenizerFixture>, IClassFixture<TinyModelFixture>
{
    private const string Sentence = "仅限右舵车型，拆下低压管夹，取下将散热器接头固定到前驱动电机支架的真空管夹。";
    private static readonly string[] Labels = ["拆卸动作", "操作部件1", "操作部件位置1", "操作部件2", "操作程序选项"];

    /// <summary>Walks the constraint choosing allowed tokens at random until the stop token (what any model's scores could pick).</summary>
    private static List<int> RandomWalk(ITokenConstraint constraint, TokenTexts texts, Random random, int maxSteps = 40)
    {
        var generated = new List<int>();
        var allowed = new List<int>();
        for (int step = 0; step < maxSteps; step++)
        {
            allowed.Clear();
            constraint.AddAllowed(generated, allowed);
            Assert.NotEmpty(allowed);
            // Prefer stopping sometimes so answers have a few items, not always the longest.
            int next = allowed.Contains(texts.EosId) && random.NextDouble() < 0.3 ? texts.EosId : allowed[random.Next(allowed.Count)];
            generated.Add(next);
            if (next == texts.EosId) break;
        }
        return generated;
    }

    [Fact]
    public void EveryAnswerTheMentionConstraintAllowsIsADollarListOfSubstrings()
    {
        var texts = TokenTexts.For(tok.Tokenizer);
        var constraint = new DelimitedListConstraint(texts, new SubstringItems(Sentence));
        var random = new Random(1);
        int finished = 0;
        for (int walk = 0; walk < 200; walk++)
        {
            var ids = RandomWalk(constraint, texts, random);
            string answer = tok.Tokenizer.Decode(ids, skipSpecialTokens: true);
            if (ids[^1] != texts.EosId) answer = answer[..(answer.LastIndexOf('$') + 1)].TrimEnd('$');   // cut mid-item by maxSteps
            else finished++;
            foreach (var item in answer.Split('$').Where(_ => answer.Length > 0))
                Assert.True(item.Length > 0 && Sentence.Contains(item), $"walk {walk}: item '{item}' of '{answer}' is not in the sentence");
        }
        Assert.True(finished > 150, $"only {finished} of 200 walks reached the stop token");
    }

    [Fact]
    public void EveryAnswerTheTypeConstraintAllowsIsADollarListOfLabels()
    {
        var texts = TokenTexts.For(tok.Tokenizer);
        var constraint = new DelimitedListConstraint(texts, new ChoiceItems(Labels));
        var random = new Random(2);
        for (int walk = 0; walk < 200; walk++)
        {
            var ids = RandomWalk(constraint, texts, random, maxSteps: 200);
            Assert.Equal(texts.EosId, ids[^1]);
            string answer = tok.Tokenizer.Decode(ids, skipSpecialTokens: true);
            Assert.All(answer.Split('$'), item => Assert.Contains(item, Labels));
        }
    }

    [Theory]
    [InlineData("低压管夹")]
    [InlineData("散热器接头$真空管夹")]
    [InlineData("前驱动电机支架$仅限右舵车型$拆下")]
    public void TheTokenizationOfAValidAnswerIsAllowedStepByStep(string answer)
    {
        var texts = TokenTexts.For(tok.Tokenizer);
        var constraint = new DelimitedListConstraint(texts, new SubstringItems(Sentence));
        var ids = tok.Tokenizer.Encode(answer).Append(texts.EosId).ToList();
        var allowed = new List<int>();
        for (int i = 0; i < ids.Count; i++)
        {
            allowed.Clear();
            constraint.AddAllowed(ids.Take(i).ToList(), allowed);
            Assert.True(allowed.Contains(ids[i]), $"token {i} '{tok.Tokenizer.ConvertIdsToTokens([ids[i]])[0]}' of '{answer}' was not allowed");
        }
    }

    [Fact]
    public void InvalidContinuationsAreRefused()
    {
        var texts = TokenTexts.For(tok.Tokenizer);
        var constraint = new DelimitedListConstraint(texts, new SubstringItems(Sentence));
        var allowed = new List<int>();
        constraint.AddAllowed([], allowed);
        Assert.DoesNotContain(texts.EosId, allowed);                           // not empty
        Assert.DoesNotContain(tok.Tokenizer.Encode("发动机")[^1], allowed);       // not in the sentence
        allowed.Clear();
        constraint.AddAllowed(tok.Tokenizer.Encode("低压"), allowed);
        Assert.Contains(texts.EosId, allowed);                                 // "低压" is a substring: may stop
        Assert.DoesNotContain(tok.Tokenizer.Encode("$$")[^1], allowed);
        var empty = new DelimitedListConstraint(texts, new ChoiceItems(Labels), allowEmpty: true);
        allowed.Clear();
        empty.AddAllowed([], allowed);
        Assert.Contains(texts.EosId, allowed);
    }

    private sealed class FixedSet(params int[] ids) : ITokenConstraint
    {
        public void AddAllowed(IReadOnlyList<int> generated, List<int> allowed) => allowed.AddRange(ids);
    }

    [Fact]
    public void GenerateChoosesOnlyAllowedTokensAndLeavesUnconstrainedRowsAlone()
    {
        var prompt = tensor(new long[] { 358, 241, 229, 475, 301, 27, 431, 591, 594, 358, 241, 229, 475, 301, 27, 431, 591, 594 }, [2, 9]);
        var options = new GenerationOptions { MaxNewTokens = 6, EosTokenId = -1 };
        var free = fx.Model.Generate(prompt, options);
        var freeRow1 = free[1].narrow(0, 9, 6).data<long>().ToArray();
        int[] set = [7, 8, 9];
        var constrained = fx.Model.Generate(prompt, options, constraints: [new FixedSet(set), null]);
        Assert.All(constrained[0].narrow(0, 9, 6).data<long>().ToArray(), t => Assert.Contains((int)t, set));
        Assert.Equal(freeRow1, constrained[1].narrow(0, 9, 6).data<long>().ToArray());
        Assert.Throws<ArgumentException>(() => fx.Model.Generate(prompt, options, constraints: [null]));
    }
}
