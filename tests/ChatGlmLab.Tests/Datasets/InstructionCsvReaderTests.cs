using ChatGlmLab.Datasets;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Datasets;

/// <summary>CSV instruction datasets: header mapping, RFC 4180 quoting, BOM, history cells, and errors that name file and line.</summary>
public class InstructionCsvReaderTests : IDisposable
{
    private readonly TempFiles _files = new();
    public void Dispose() => _files.Dispose();

    [Fact]
    public void QuotedFieldsWithCommasDoubledQuotesAndLineBreaksAreRead()
    {
        var path = _files.Write("a.csv",
            "instruction,input,output,history\r\n" +
            "找出实体：,\"拆下螺栓,再装上\",\"部件:\"\"螺栓\"\"\",\r\n" +
            "\"第一行\n第二行\",,答,\"[[\"\"问\"\",\"\"答\"\"],[\"\"\"\",\"\"\"\"]]\"\r\n" +
            "last,,no newline at end,");
        var result = InstructionCsvReader.Read(path);
        Assert.Equal(3, result.Items.Count);
        Assert.Equal(new InstructionRecord("找出实体：", "拆下螺栓,再装上", "部件:\"螺栓\"", InstructionRecord.NoHistory), result.Items[0], Same);
        Assert.Equal("第一行\n第二行", result.Items[1].Instruction);
        Assert.Equal([("问", "答"), ("", "")], result.Items[1].History);
        Assert.Equal("no newline at end", result.Items[2].Output);
        Assert.Equal(3, result.Report.RecordsKept);
    }

    [Fact]
    public void BomIsOptionalAndColumnOrderIsFree()
    {
        var plain = _files.Write("plain.csv", "output,instruction\n好,问\n");
        var bom = _files.PathOf("bom.csv");
        File.WriteAllText(bom, "output,instruction\n好,问\n", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        Assert.Equal(0xEF, File.ReadAllBytes(bom)[0]);
        foreach (var path in new[] { plain, bom })
        {
            var result = InstructionCsvReader.Read(path);
            Assert.Equal(new InstructionRecord("问", "", "好", InstructionRecord.NoHistory), Assert.Single(result.Items), Same);
            // Absent optional columns are read as empty and said so.
            Assert.Contains(result.Report.Notes.Keys, n => n.Contains("'input'"));
            Assert.Contains(result.Report.Notes.Keys, n => n.Contains("'history'"));
        }
    }

    [Fact]
    public void RegistryColumnsMapCsvHeadersAndTheLoaderPicksTheReaderByExtension()
    {
        _files.Write("qa.csv", "kind,q,a\nx,中国的首都是哪里？,北京\n\ny,一年有几个季节？,四个\n");
        DatasetRegistry.Write(Path.Combine(_files.Dir, DatasetRegistry.FileName),
            [new DatasetEntry("qa") { FileName = "qa.csv", Columns = new InstructionColumns("q", "", "a", "") }]);
        var split = InstructionDatasetLoader.Load(new InstructionDatasetRequest("qa") { DatasetDir = _files.Dir });
        Assert.Equal(["中国的首都是哪里？", "一年有几个季节？"], split.Train.Select(r => r.Query));
        Assert.Equal(["北京", "四个"], split.Train.Select(r => r.Output));
        Assert.Equal(1, split.Reports[0].Notes[InstructionCsvReader.BlankLinesNote]);
    }

    [Fact]
    public void EmptyInstructionOrOutputRowsAreSkippedAndReported()
    {
        var path = _files.Write("s.csv", "instruction,output\n问,\n问,答\n");
        var result = InstructionCsvReader.Read(path);
        Assert.Single(result.Items);
        Assert.Equal(new SkippedRecord(2, InstructionFileReader.ToolkitSkipReason), Assert.Single(result.Report.Skipped));
    }

    public static TheoryData<string, string, int, string> Malformed => new()
    {
        // name, content, line the error must name, part of the reason
        { "unterminated", "instruction,output\na,b\n\"open,x\nstill open\n", 3, "unterminated quoted field" },
        { "after-quote", "instruction,output\n\"a\"b,c\n", 2, "after a closing quote" },
        { "too-many", "instruction,output\na,b\na,b,c\n", 3, "3 fields, but the header has 2" },
        { "too-few", "instruction,input,output\na,b,c\n\"multi\nline\",b,c\nonly\n", 5, "1 fields, but the header has 3" },
        { "missing-column", "instruction,answer\na,b\n", 1, "missing required column 'output'" },
        { "duplicate-column", "instruction,output,output\na,b,c\n", 1, "column 'output' appears twice" },
        { "history-not-json", "instruction,output,history\na,b,[[x]]\n", 2, "'history' cell is not JSON" },
        { "history-shape", "instruction,output,history\na,b,\"{\"\"q\"\":1}\"\n", 2, "'history' must be a list" },
        { "empty", "", 1, "empty file" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedCsvNamesFileAndLine(string name, string content, int line, string reason)
    {
        var path = _files.Write(name + ".csv", content);
        var ex = Assert.Throws<DataFormatException>(() => InstructionCsvReader.Read(path));
        Assert.Equal(path, ex.FilePath);
        Assert.Equal(line, ex.Line);
        Assert.StartsWith($"{path}:{line}: ", ex.Message);
        Assert.Contains(reason, ex.Reason);
    }

    [Fact]
    public void InvalidUtf8NamesItsLine()
    {
        var path = _files.PathOf("latin1.csv");
        File.WriteAllBytes(path, [.. "instruction,output\na,b\n"u8, (byte)'c', 0xE9, (byte)',', (byte)'d', (byte)'\n']);
        var ex = Assert.Throws<DataFormatException>(() => InstructionCsvReader.Read(path));
        Assert.Equal(3, ex.Line);
        Assert.StartsWith($"{path}:3: not valid UTF-8", ex.Message);
    }

    [Fact]
    public void LenientModeSkipsBadRowsWithTheirLines()
    {
        var path = _files.Write("l.csv", "instruction,output\na,b\na,b,c\nd,e\n");
        var result = InstructionCsvReader.Read(path, lenient: true);
        Assert.Equal(["a", "d"], result.Items.Select(r => r.Instruction));
        Assert.Equal(3, Assert.Single(result.Report.Skipped).Line);
    }

    [Fact]
    public void TxtAndOtherExtensionsAreRejectedAsInTheToolkit()
    {
        _files.Write("d.txt", "instruction,output\na,b\n");
        DatasetRegistry.Write(Path.Combine(_files.Dir, DatasetRegistry.FileName), [new DatasetEntry("d") { FileName = "d.txt" }]);
        var ex = Assert.Throws<DataFormatException>(() => InstructionDatasetLoader.Load(new InstructionDatasetRequest("d") { DatasetDir = _files.Dir }));
        Assert.Equal(_files.PathOf("d.txt"), ex.FilePath);
        Assert.Contains("unsupported file extension '.txt'", ex.Message);
        Assert.Contains(".csv, .json, .jsonl", ex.Message);
    }

    private static readonly IEqualityComparer<InstructionRecord> Same = EqualityComparer<InstructionRecord>.Create((a, b) => a!.SameAs(b!));
}
