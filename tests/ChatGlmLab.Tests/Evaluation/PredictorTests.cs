using ChatGlmLab.Datasets;
using ChatGlmLab.Evaluation;
using ChatGlmLab.Generation;
using ChatGlmLab.Generation.Constraints;
using ChatGlmLab.ModelInputs;
using ChatGlmLab.Modeling;
using ChatGlmLab.Tests.Infrastructure;
using ChatGlmLab.Tokenization;

namespace ChatGlmLab.Tests.Evaluation;

/// <summary>The predictor counts the answers the length limit cut, so a cut answer is reported, not taken for the model's whole answer.</summary>
public sealed class PredictorTests
{
    private static readonly string ModelDir = Path.Combine(Paths.RepoRoot, "data", "base-model");

    /// <summary>Allows one token at every step.</summary>
    private sealed class Only(int id) : ITokenConstraint
    {
        public void AddAllowed(IReadOnlyList<int> generated, List<int> allowed) => allowed.Add(id);
    }

    [Fact]
    public void AnswersThatReachTheLimitBeforeTheEndTokenAreCountedAsCut()
    {
        using var model = ChatGlmForConditionalGeneration.FromPretrained(ModelDir);
        var tokenizer = ChatGlmTokenizer.FromPretrained(ModelDir);
        var records = new[] { "拆下低压管夹。", "取下真空管夹。", "拧紧螺栓。" }.Select(s => new InstructionRecord("句子中有哪些名词？", s, "", [])).ToList();
        var predictor = new Predictor(model, new SupervisedPreprocessor(tokenizer, new SftOptions()), new GenerationOptions { MaxNewTokens = 3, DoSample = false });

        // Ending at once: nothing cut.
        predictor.Predict(records, constraints: records.Select(_ => (ITokenConstraint?)new Only(tokenizer.EosId)).ToList());
        Assert.Equal((3, 0), (predictor.Answers, predictor.AnswersCut));
        Assert.Null(predictor.CutNote());

        // Never ending: every answer stops at max_new_tokens and is counted.
        int word = tokenizer.Encode("管夹")[^1];
        var cut = predictor.Predict(records.Take(2).ToList(), constraints: [new Only(word), new Only(word)]);
        Assert.Equal((5, 2), (predictor.Answers, predictor.AnswersCut));
        Assert.All(cut, answer => Assert.NotEmpty(answer));
        Assert.Contains("2 of 5 answers reached the length limit (max_new_tokens 3)", predictor.CutNote());
    }
}
