using System.Text.Json;
using ChatGlmLab.Datasets;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Tasks.Ner;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Tasks.Ner;

public class NerInstructionBuilderTests
{
    private const string T = ArticleSentence.Text;

    [Fact]
    public void SpansOfTheSeedSentenceMatchItsText()
    {
        Assert.Null(NerExampleValidator.Problem(ArticleSentence.Example()));
    }

    [Fact]
    public void ReproducesTheSeedsThreeSampleRecordsExactly()
    {
        var records = new NerInstructionBuilder().Build(ArticleSentence.Example());

        // Record 1 of the seed: turn 1, history padded with two empty pairs.
        var r1 = records[0];
        Assert.Equal(NerTurnKind.Types, r1.Turn);
        Assert.Equal(ArticleSentence.TypeInstruction, r1.Record.Instruction);
        Assert.Equal(T, r1.Record.Input);
        Assert.Equal(ArticleSentence.TypeAnswer, r1.Record.Output);
        Assert.Equal([("", ""), ("", "")], r1.Record.History);

        // Record 2: turn 2 for 一般动作; history = turn 1 asked as instruction + "文本为：" + text, then padding.
        var r2 = records.Single(r => r.Turn == NerTurnKind.Mentions && r.Type == "一般动作").Record;
        Assert.Equal("你现在是一个命名实体识别模型，请你帮我判断一下句子中，名词类别为'一般动作'有哪些名词？,用'$'分割", r2.Instruction);
        Assert.Equal(T, r2.Input);
        Assert.Equal("使用", r2.Output);
        Assert.Equal([(ArticleSentence.TypeInstruction + "文本为：" + T, ArticleSentence.TypeAnswer), ("", "")], r2.History);

        // Record 3: turn 3 for 使用; both earlier turns in history, each with "文本为：" + text.
        var r3 = records.Single(r => r.Turn == NerTurnKind.Positions && r.Mention == "使用").Record;
        Assert.Equal("你现在是一个命名实体识别模型，请你帮我判断一下句子中，名词为'使用',起始位置和终止位置分别是什么？,用'$'分割", r3.Instruction);
        Assert.Equal(T, r3.Input);
        Assert.Equal("起始位置:0,终止位置:2", r3.Output);
        Assert.Equal(
            [
                (ArticleSentence.TypeInstruction + "文本为：" + T, ArticleSentence.TypeAnswer),
                ("你现在是一个命名实体识别模型，请你帮我判断一下句子中，名词类别为'一般动作'有哪些名词？,用'$'分割文本为：" + T, "使用"),
            ],
            r3.History);
    }

    [Fact]
    public void ArticleRecordsAgreeWithTheTokenizerFixturesQueriesAndAnswers()
    {
        var cases = FixtureJson.Load("tokenizer", "cases.json");
        var sft = cases.GetProperty("sft_examples").EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!);
        var records = new NerInstructionBuilder().Build(ArticleSentence.Example());
        var turn1 = records[0].Record;
        var turn2 = records.Single(r => r.Type == "一般动作" && r.Turn == NerTurnKind.Mentions).Record;
        var turn3 = records.Single(r => r.Mention == "使用").Record;

        Assert.Equal(sft["ner_turn_1"].GetProperty("query").GetString(), turn1.Query);
        Assert.Equal(sft["ner_turn_1"].GetProperty("answer").GetString(), turn1.Output);
        Assert.Equal(sft["ner_turn_2"].GetProperty("query").GetString(), turn2.Instruction);
        Assert.Equal(sft["ner_turn_2"].GetProperty("answer").GetString(), turn2.Output);
        Assert.Equal(sft["ner_turn_3"].GetProperty("query").GetString(), turn3.Instruction);
        Assert.Equal(sft["ner_turn_3"].GetProperty("answer").GetString(), turn3.Output);
    }

    [Fact]
    public void ChatLayoutReproducesTheFixturesChatPromptsHistories()
    {
        var cases = FixtureJson.Load("tokenizer", "cases.json");
        var chat = cases.GetProperty("chat_prompts").EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!);
        var records = new NerInstructionBuilder(NerInstructionOptions.Chat).Build(ArticleSentence.Example());
        var byName = new Dictionary<string, InstructionRecord>
        {
            ["ner_turn_1"] = records[0].Record,
            ["ner_turn_2"] = records.Single(r => r.Type == "一般动作" && r.Turn == NerTurnKind.Mentions).Record,
            ["ner_turn_3"] = records.Single(r => r.Mention == "使用").Record,
        };
        foreach (var (name, record) in byName)
        {
            Assert.Equal(chat[name].GetProperty("query").GetString(), record.Query);
            Assert.Equal(History(chat[name].GetProperty("history")), record.History);
        }
    }

    [Fact]
    public void ExpandsEveryTypeAndDistinctMentionInTextOrder()
    {
        var records = new NerInstructionBuilder().Build(ArticleSentence.Example());
        // 1 turn-1 + 5 types + 7 distinct (type, mention) pairs
        Assert.Equal(1 + 5 + 7, records.Count);
        Assert.Equal(["一般动作", "一般工具", "拆卸动作", "操作部件1", "操作部件位置1"],
            records.Where(r => r.Turn == NerTurnKind.Mentions).Select(r => r.Type));
        var removal = records.Single(r => r.Turn == NerTurnKind.Mentions && r.Type == "拆卸动作").Record;
        Assert.Equal("松开$拆下", removal.Output);
        var pipe = records.Single(r => r.Mention == "导管");
        Assert.Equal("起始位置:46,终止位置:48", pipe.Record.Output);
        Assert.Equal("冷却液输入管$导管", pipe.Record.History[1].Response);
    }

    [Fact]
    public void RepeatedMentionOfOneTypeGetsAllItsSpansInOneAnswer()
    {
        var text = "拆下螺栓，再拆下螺母。";
        var example = new NerExample(text, [new("拆卸动作", 0, 2, "拆下"), new("拆卸动作", 6, 8, "拆下")]);
        var records = new NerInstructionBuilder().Build(example);
        Assert.Equal("拆卸动作$拆卸动作", records[0].Record.Output);
        Assert.Equal("拆下$拆下", records[1].Record.Output);
        Assert.Equal("起始位置:0,终止位置:2$起始位置:6,终止位置:8", records.Single(r => r.Turn == NerTurnKind.Positions).Record.Output);
    }

    [Fact]
    public void CleanHistoryHasNoPaddingAndUsesTheQueriesAsAsked()
    {
        var options = NerInstructionOptions.Article with { History = HistoryStyle.Clean };
        var records = new NerInstructionBuilder(options).Build(ArticleSentence.Example());
        Assert.Empty(records[0].Record.History);
        var turn2 = records[1].Record;
        Assert.Equal([(ArticleSentence.TypeInstruction + T, ArticleSentence.TypeAnswer)], turn2.History);
        var turn3 = records[2].Record;
        Assert.Equal(2, turn3.History.Count);
        Assert.Equal(turn2.Query, turn3.History[1].Query);
    }

    [Fact]
    public void WordingSeparatorAndLabelOrderAreOptions()
    {
        var options = NerInstructionOptions.Article with
        {
            Labels = ["一般工具", "一般动作", "拆卸动作", "操作部件1", "操作部件位置1"],
            Separator = "|",
            TypeQuestionTemplate = "类别有{labels}，用{sep}分开：",
        };
        var records = new NerInstructionBuilder(options).Build(ArticleSentence.Example());
        Assert.Equal("类别有'一般工具','一般动作','拆卸动作','操作部件1','操作部件位置1'，用|分开：", records[0].Record.Instruction);
        Assert.Equal("一般动作|一般工具|拆卸动作|操作部件1|操作部件位置1|拆卸动作|操作部件1", records[0].Record.Output);
        Assert.Contains("用'|'分割", records[1].Record.Instruction);
    }

    [Fact]
    public void RefusesTypesOutsideTheLabelsAndMentionsContainingTheSeparator()
    {
        var builder = new NerInstructionBuilder();
        var ex1 = Assert.Throws<ArgumentException>(() => builder.Build(new NerExample("张三", [new("name", 0, 2, "张三")])));
        Assert.Contains("'name'", ex1.Message);
        var ex2 = Assert.Throws<ArgumentException>(() => builder.Build(new NerExample("a$b", [new("方位", 0, 3, "a$b")])));
        Assert.Contains("separator", ex2.Message);
    }

    [Fact]
    public void SentenceWithoutEntitiesHasOnlyTurnOne()
    {
        var records = new NerInstructionBuilder().Build(new NerExample("注意安全。", []));
        Assert.Single(records);
        Assert.Equal("", records[0].Record.Output);
    }

    private static List<(string, string)> History(JsonElement history) =>
        history.EnumerateArray().Select(p => (p[0].GetString()!, p[1].GetString()!)).ToList();
}
