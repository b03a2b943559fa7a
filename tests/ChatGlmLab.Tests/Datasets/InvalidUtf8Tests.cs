using System.Text;
using ChatGlmLab.Datasets;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Datasets;

/// <summary>
/// Bytes that are not UTF-8 (a GBK file, a truncated sequence) are bad input, never U+FFFD in the data: every reader stops
/// at the file and line (strict) or skips and counts that record (lenient, where the format allows resynchronising).
/// </summary>
public class InvalidUtf8Tests : IDisposable
{
    private readonly TempFiles _files = new();
    public void Dispose() => _files.Dispose();

    // "张三" in GBK: not UTF-8.
    private static readonly byte[] Gbk = [0xD5, 0xC5, 0xC8, 0xFD];

    private string WriteLines(string name, params byte[][] lines)
    {
        string path = _files.PathOf(name);
        File.WriteAllBytes(path, lines.SelectMany(l => l.Concat("\n"u8.ToArray())).ToArray());
        return path;
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static void AssertInvalidUtf8(DataFormatException e, string path, int line)
    {
        Assert.StartsWith($"{path}:{line}: ", e.Message);
        Assert.Contains("invalid UTF-8", e.Message);
    }

    [Fact]
    public void Cluener()
    {
        var good = Utf8("""{"text": "张三在北京", "label": {"name": {"张三": [[0, 1]]}}}""");
        var bad = Utf8("{\"text\": \"x").Concat(Gbk).Concat(Utf8("\", \"label\": {}}")).ToArray();
        string path = WriteLines("c.json", good, bad, good);
        AssertInvalidUtf8(Assert.Throws<DataFormatException>(() => CluenerReader.Read(path)), path, 2);
        var lenient = CluenerReader.Read(path, lenient: true);
        Assert.Equal(2, lenient.Items.Count);
        Assert.Equal(1, lenient.Report.RecordsSkipped);
        Assert.DoesNotContain(lenient.Items, e => e.Text.Contains('\uFFFD'));
    }

    [Fact]
    public void Conll()
    {
        string path = WriteLines("c.bio", Utf8("张 B-name"), Utf8("三 I-name"), [], Gbk.Take(2).Concat(Utf8(" O")).ToArray(), [], Utf8("李 B-name"), []);
        AssertInvalidUtf8(Assert.Throws<DataFormatException>(() => ConllReader.Read(path, TagScheme.Bio)), path, 4);
        var lenient = ConllReader.Read(path, TagScheme.Bio, lenient: true);
        Assert.Equal(["张三", "李"], lenient.Items.Select(e => e.Text));
        Assert.Equal(1, lenient.Report.RecordsSkipped);
    }

    [Fact]
    public void InstructionJsonLinesAndJsonArray()
    {
        var good = Utf8("""{"instruction": "问", "input": "", "output": "答"}""");
        var bad = Utf8("{\"instruction\": \"问").Concat(Gbk).Concat(Utf8("\", \"input\": \"\", \"output\": \"答\"}")).ToArray();
        string lines = WriteLines("d.jsonl", good, bad);
        AssertInvalidUtf8(Assert.Throws<DataFormatException>(() => InstructionFileReader.Read(lines)), lines, 2);
        Assert.Equal(1, InstructionFileReader.Read(lines, lenient: true).Report.RecordsSkipped);

        string array = WriteLines("d.json", Utf8("["), good.Concat(Utf8(",")).ToArray(), bad, Utf8("]"));
        AssertInvalidUtf8(Assert.Throws<DataFormatException>(() => InstructionFileReader.Read(array)), array, 3);
    }

    [Fact]
    public void ADirectoryGivenWhereAFileBelongsIsNamedAsADirectory()
    {
        var e = Assert.Throws<DataFormatException>(() => CluenerReader.Read(_files.Dir));
        Assert.Contains("is a directory", e.Message);
        e = Assert.Throws<DataFormatException>(() => InstructionFileReader.Read(_files.Dir));
        Assert.Contains("is a directory", e.Message);
    }
}
