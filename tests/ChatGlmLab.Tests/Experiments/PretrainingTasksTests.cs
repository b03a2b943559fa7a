using System.Text.RegularExpressions;
using ChatGlmLab.Experiments;

namespace ChatGlmLab.Tests.Experiments;

public class PretrainingTasksTests
{
    private static readonly string[] Sentences =
    [
        "将变速箱支架和燃油接头重新安装到冷却液隔热罩。",
        "仅限右舵车型，拆下低压管夹，取下将散热器接头固定到前驱动电机支架的真空管夹。",
        "确认充电口总成下方的充电支架是否损坏。",
    ];

    [Fact]
    public void EveryAnswerFollowsFromItsPromptAndNeverUsesTheNerFormat()
    {
        var records = PretrainingTasks.Build(Sentences, ["你现在是一个命名实体识别模型"], seed: 3);
        var again = PretrainingTasks.Build(Sentences, ["你现在是一个命名实体识别模型"], seed: 3);
        Assert.True(records.Count == again.Count && records.Zip(again).All(p => p.First.SameAs(p.Second)));   // deterministic
        int repeats = 0, scrambled = 0, cues = 0, locates = 0;
        foreach (var r in records.Where(r => r.History.Count == 0))
        {
            Assert.DoesNotContain("起始位置", r.Output);
            if (r.Instruction == PretrainingTasks.RepeatInstruction)
            {
                Assert.Equal(r.Input, r.Output);
                if (Sentences.Contains(r.Input)) repeats++;
                else
                {
                    // Scrambled: 2-12 characters of one of the sentences (as many of each as it has at most), in another order.
                    Assert.InRange(r.Input.Length, 2, 12);
                    Assert.Contains(Sentences, s => r.Input.GroupBy(c => c).All(g => s.Count(c => c == g.Key) >= g.Count()));
                    scrambled++;
                }
            }
            else if (Regex.Match(r.Instruction, "^请写出下面句子中'(.+)'后面的(\\d+)个字：$") is { Success: true } cue)
            {
                string c = cue.Groups[1].Value;
                int at = r.Input.IndexOf(c, StringComparison.Ordinal);
                Assert.Equal(r.Input.Substring(at + c.Length, int.Parse(cue.Groups[2].Value)), r.Output);
                cues++;
            }
            else if (Regex.Match(r.Instruction, "^请找出'(.+)'在下面句子中的位置：$") is { Success: true } locate)
            {
                var span = r.Output.Split('-').Select(int.Parse).ToArray();
                Assert.Equal(locate.Groups[1].Value, r.Input[span[0]..span[1]]);
                locates++;
            }
            else
            {
                // The GLM objective: a text cut at a random point, continued.
                Assert.Equal("", r.Input);
                Assert.Contains(r.Instruction + r.Output, Sentences.Append("你现在是一个命名实体识别模型"));
            }
        }
        Assert.Equal(Sentences.Length, repeats);
        Assert.Equal(2 * Sentences.Length, scrambled);
        Assert.InRange(cues, 1, 2 * Sentences.Length);
        Assert.Equal(Sentences.Length, locates);
    }

    [Fact]
    public void ConversationsAskAboutTheQuotedCharacterAndLocateAWordTheLastRoundAnswered()
    {
        var records = PretrainingTasks.Build(Sentences, [], seed: 5).Where(r => r.History.Count > 0).ToList();
        Assert.Equal(2 * Sentences.Length, records.Count);   // every sentence has words: one conversation, a record per later round
        foreach (var r in records)
        {
            Assert.Contains(r.Input, Sentences);
            var (listQuery, listAnswer) = r.History[0];
            Assert.Equal(PretrainingTasks.WordsInstruction + PretrainingTasks.HistoryTextMarker + r.Input, listQuery);
            var words = listAnswer.Split('$');
            Assert.Equal(r.Input.Where(char.IsLetterOrDigit), string.Concat(words).Where(char.IsLetterOrDigit));   // the sentence's words, in order
            if (r.History.Count == 1)
            {
                var key = Regex.Match(r.Instruction, "^请写出下面句子中含有'(.)'字的词，用'\\$'分割$");
                Assert.True(key.Success, r.Instruction);
                Assert.Equal(words.Where(w => w.Contains(key.Groups[1].Value)), r.Output.Split('$'));
            }
            else
            {
                Assert.Equal(2, r.History.Count);
                var located = Regex.Match(r.Instruction, "^请找出'(.+)'在下面句子中的位置：$").Groups[1].Value;
                Assert.Contains(located, r.History[1].Response.Split('$'));
                var span = r.Output.Split('-').Select(int.Parse).ToArray();
                Assert.Equal(r.Input.IndexOf(located, StringComparison.Ordinal), span[0]);
                Assert.Equal(located, r.Input[span[0]..span[1]]);
            }
            Assert.DoesNotContain("实体", r.Instruction + string.Concat(r.History.Select(h => h.Query)));   // nothing of the NER task
        }
    }
}
