using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Tasks.Ner;
using ChatGlmLab.Tests.Tokenization;

namespace ChatGlmLab.Tests.Tasks.Ner;

public class NerAnswerParserTests
{
    private readonly NerAnswerParser _parser = new();

    [Fact]
    public void ParsesTurnOneAndTwoLists()
    {
        var (types, unknown) = _parser.ParseTypes(ArticleSentence.TypeAnswer);
        Assert.Equal(7, types.Count);
        Assert.Empty(unknown);
        Assert.Equal(["人名"], _parser.ParseTypes("一般动作$人名").Unknown);
        Assert.Empty(_parser.ParseTypes("").Types);
        Assert.Equal(["松开", "拆下"], _parser.ParseMentions(" 松开$拆下$ "));
    }

    [Theory]
    [InlineData("起始位置:0,终止位置:2", new[] { 0, 2 })]
    [InlineData("起始位置：0，终止位置：2", new[] { 0, 2 })]               // what chat() turns the reply into
    [InlineData("起始位置:0,终止位置:2$起始位置:6,终止位置:8", new[] { 0, 2, 6, 8 })]
    [InlineData(" 起始位置: 13 , 终止位置: 15 ", new[] { 13, 15 })]
    public void ParsesPositionAnswers(string answer, int[] flat)
    {
        var spans = _parser.ParsePositions(answer);
        Assert.NotNull(spans);
        Assert.Equal(flat, spans.SelectMany(s => new[] { s.Start, s.End }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("起始位置:0")]
    [InlineData("起始位置:a,终止位置:2")]
    [InlineData("起始位置:0,终止位置:2$随便")]
    public void UnparsablePositionAnswersAreNull(string answer) => Assert.Null(_parser.ParsePositions(answer));

    [Fact]
    public void ThreeTurnAnswersGiveSpansAndCountEveryProblem()
    {
        var text = ArticleSentence.Text;
        var answers = new[]
        {
            new NerTurnAnswer(NerTurnKind.Types, "一般动作$人名"),
            new NerTurnAnswer(NerTurnKind.Mentions, "使用", "一般动作"),
            new NerTurnAnswer(NerTurnKind.Positions, "起始位置:0,终止位置:2", "一般动作", "使用"),        // correct
            new NerTurnAnswer(NerTurnKind.Positions, "起始位置:14,终止位置:16", "拆卸动作", "松开"),      // off by one
            new NerTurnAnswer(NerTurnKind.Positions, "起始位置:60,终止位置:70", "操作部件1", "导管"),     // beyond the text
            new NerTurnAnswer(NerTurnKind.Positions, "不知道", "一般工具", "扳手"),                       // unparsable
        };
        var result = _parser.ParseThreeTurn(text, answers);
        Assert.Equal(6, result.Answers);
        Assert.Equal(1, result.UnknownTypes);
        Assert.Equal(1, result.PositionMismatches);
        Assert.Equal(1, result.PositionsOutsideText);
        Assert.Equal(1, result.UnparsableAnswers);
        Assert.False(result.Clean);
        Assert.Equal([new NerEntity("一般动作", 0, 2, "使用"), new NerEntity("拆卸动作", 14, 16, "开将")], result.Entities);
        Assert.Equal(4, result.Problems.Count);
    }

    [Fact]
    public void ArticleRecordsParseBackToTheArticleSpans()
    {
        var example = ArticleSentence.Example();
        var records = new NerInstructionBuilder().Build(example);
        var result = _parser.ParseThreeTurn(example.Text, records.Select(r => NerTurnAnswer.From(r, r.Record.Output)));
        Assert.True(result.Clean);
        Assert.True(new NerExample(example.Text, result.Entities).SameAs(example));
    }

    [Theory]
    [InlineData(SinglePassFormat.Json)]
    [InlineData(SinglePassFormat.TypeMention)]
    public void SinglePassAnswersOfTheSeedSentenceParseBack(SinglePassFormat format)
    {
        var options = new SinglePassOptions { Format = format };
        var example = ArticleSentence.Example();
        var answer = new SinglePassBuilder(options).Answer(example);
        var result = new NerAnswerParser(singlePass: options).ParseSinglePass(example.Text, answer);
        Assert.True(result.Clean);
        Assert.True(new NerExample(example.Text, result.Entities).SameAs(example));
    }

    [Fact]
    public void SinglePassAnswerFormats()
    {
        var example = ArticleSentence.Example();
        Assert.Equal("{\"一般动作\":[\"使用\"],\"一般工具\":[\"冷却液连接器拆卸工具\"],\"拆卸动作\":[\"松开\",\"拆下\"],\"操作部件1\":[\"冷却液输入管\",\"导管\"],\"操作部件位置1\":[\"功率转换系统\"]}",
            new SinglePassBuilder().Answer(example));
        Assert.Equal("一般动作:使用$一般工具:冷却液连接器拆卸工具$拆卸动作:松开$操作部件1:冷却液输入管$操作部件位置1:功率转换系统$拆卸动作:拆下$操作部件1:导管",
            new SinglePassBuilder(new SinglePassOptions { Format = SinglePassFormat.TypeMention }).Answer(example));
        Assert.Equal("{}", new SinglePassBuilder().Answer(new NerExample("无实体。", [])));
    }

    [Fact]
    public void SinglePassCountsMalformedAndMissingMentions()
    {
        var text = ArticleSentence.Text;
        var bad = _parser.ParseSinglePass(text, "{\"一般动作\": [\"使用\"");
        Assert.Equal(1, bad.UnparsableAnswers);
        Assert.Empty(bad.Entities);
        var missing = _parser.ParseSinglePass(text, "{\"一般动作\":[\"使用\",\"安装\"],\"人名\":[\"导管\"]}");
        Assert.Equal(1, missing.MentionsNotFound);
        Assert.Equal(1, missing.UnknownTypes);
        Assert.Equal(2, missing.Entities.Count);
        var typeMention = new NerAnswerParser(singlePass: new SinglePassOptions { Format = SinglePassFormat.TypeMention });
        Assert.Equal(1, typeMention.ParseSinglePass(text, "一般动作：使用$没有冒号").UnparsableAnswers);
        Assert.Empty(typeMention.ParseSinglePass(text, "无").Entities);
    }

    [Fact]
    public void RepeatedMentionTakesSuccessiveOccurrences()
    {
        var text = "拆下螺栓，再拆下螺母。";
        var result = _parser.ParseSinglePass(text, "{\"拆卸动作\":[\"拆下\",\"拆下\"]}");
        Assert.Equal([(0, 2), (6, 8)], result.Entities.Select(e => (e.Start, e.End)));
    }
}
