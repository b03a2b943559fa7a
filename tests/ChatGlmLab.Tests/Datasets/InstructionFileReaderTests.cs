using ChatGlmLab.Datasets;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Datasets;

public class InstructionFileReaderTests : IDisposable
{
    private readonly TempFiles _files = new();
    public void Dispose() => _files.Dispose();

    [Fact]
    public void ReadsTheSeedsQuirkyHistoryForms()
    {
        var path = _files.Write("seed.json", """
            [
                {"instruction": "问一", "input": "文本", "output": "答一", "history": [["", ""], ["", ""]]},
                {"instruction": "问二", "input": "文本", "output": "答二", "history": [["aaa"], ["", ""]]},
                {"instruction": "问三", "input": "文本", "output": "答三", "history": [["aaa"], ["bbb"]]},
                {"instruction": "问四", "input": "", "output": "答四"}
            ]
            """);
        var result = InstructionFileReader.Read(path);
        Assert.Equal(4, result.Items.Count);
        Assert.Equal([("", ""), ("", "")], result.Items[0].History);
        Assert.Equal([("aaa", ""), ("", "")], result.Items[1].History);
        Assert.Equal([("aaa", ""), ("bbb", "")], result.Items[2].History);
        Assert.Empty(result.Items[3].History);
        Assert.Equal("问一文本", result.Items[0].Query);
        Assert.Equal(3, result.Report.Notes[InstructionFileReader.OneElementPairNote]);
    }

    [Fact]
    public void JsonArrayAndJsonLinesGiveTheSameRecords()
    {
        var array = _files.Write("a.json", """
            [{"instruction": "把句子翻译成英文", "input": "你好", "output": "Hello", "history": [["早", "早上好"]]},
             {"instruction": "1+1=?", "input": null, "output": "2"}]
            """);
        var lines = _files.Write("a.jsonl", """
            {"instruction": "把句子翻译成英文", "input": "你好", "output": "Hello", "history": [["早", "早上好"]]}

            {"instruction": "1+1=?", "output": "2"}
            """);
        var a = InstructionFileReader.Read(array).Items;
        var b = InstructionFileReader.Read(lines).Items;
        Assert.Equal(2, a.Count);
        Assert.True(a.Zip(b).All(p => p.First.SameAs(p.Second)));
        Assert.Equal("", a[1].Input);
    }

    [Fact]
    public void RecordsTheToolkitSkipsAreSkippedAndReported()
    {
        var path = _files.Write("s.jsonl", """
            {"instruction": "问", "output": "答"}
            {"instruction": "", "input": "只有输入", "output": "答"}
            {"instruction": "问", "output": ""}
            """);
        var result = InstructionFileReader.Read(path);
        Assert.Single(result.Items);
        Assert.Equal([2, 3], result.Report.Skipped.Select(s => s.Line));
        Assert.All(result.Report.Skipped, s => Assert.Equal(InstructionFileReader.ToolkitSkipReason, s.Reason));
    }

    [Fact]
    public void WriterOutputReadsBackIdentically()
    {
        var records = new[]
        {
            new InstructionRecord("指令'引号'\"双引号\"", "输入\n换行", "输出$分隔", [("", ""), ("q", "r")]),
            new InstructionRecord("i", "", "o", InstructionRecord.NoHistory),
        };
        var path = _files.PathOf("w.jsonl");
        InstructionFileWriter.Write(path, records);
        var back = InstructionFileReader.Read(path).Items;
        Assert.True(records.Zip(back).All(p => p.First.SameAs(p.Second)));
        Assert.Contains("指令'引号'", File.ReadAllText(path)); // written as is, like ensure_ascii=False
    }
}
