using ChatGlmLab.Datasets;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Tests.Infrastructure;


namespace ChatGlmLab.Tests.Datasets;

/// <summary>
/// Every kind of bad input: strict mode throws a message starting "file:line:"; lenient mode skips the
/// record, counts it and lists it in the report's summary.
/// </summary>
public class MalformedInputTests : IDisposable
{
    private readonly TempFiles _files = new();
    public void Dispose() => _files.Dispose();

    private const string GoodCluener = """{"text": "张三在北京", "label": {"name": {"张三": [[0, 1]]}, "address": {"北京": [[3, 4]]}}}""";
    private const string GoodNerJson = """{"text":"张三在北京","entities":[{"type":"name","start":0,"end":2,"mention":"张三"}]}""";

    private static void AssertNamesFileAndLine(DataFormatException ex, string path, int line, string fragment)
    {
        Assert.StartsWith($"{path}:{line}: ", ex.Message);
        Assert.Equal(path, ex.FilePath);
        Assert.Equal(line, ex.Line);
        Assert.Contains(fragment, ex.Message);
    }

    private static void AssertLenientReport(LoadReport report, int kept, int skippedLine, string fragment)
    {
        Assert.Equal(kept, report.RecordsKept);
        Assert.Equal(1, report.RecordsSkipped);
        Assert.Equal(skippedLine, report.Skipped[0].Line);
        Assert.Contains(fragment, report.Skipped[0].Reason);
        Assert.Contains($"{report.FilePath}:{skippedLine}: ", report.Summary());
    }

    // ---- CLUENER ----

    [Theory]
    [InlineData("""{"text": "张三在北京", "label": {"name": {"张三": [[0, 2]]}}}""", "covers '张三在'")]        // mention mismatch (end taken as exclusive)
    [InlineData("""{"text": "张三在北京", "label": {"name": {"张三": [[4, 6]]}}}""", "outside the text")]       // offset outside
    [InlineData("""{"text": "张三在北京", "label": {"name": {"张三": [[0, 1]]}""", "malformed JSON")]          // malformed JSON
    [InlineData("""{"label": {}}""", "missing string field 'text'")]
    [InlineData("""{"text": "张三", "label": {"name": {"张三": [0, 1]}}}""", "must be [start, end]")]
    public void Cluener(string badLine, string fragment)
    {
        var path = _files.Write("c.json", $"{GoodCluener}\n{GoodCluener}\n{badLine}\n{GoodCluener}\n");
        var ex = Assert.Throws<DataFormatException>(() => CluenerReader.Read(path));
        AssertNamesFileAndLine(ex, path, 3, fragment);
        var lenient = CluenerReader.Read(path, lenient: true);
        Assert.Equal(3, lenient.Items.Count);
        AssertLenientReport(lenient.Report, 3, 3, fragment);
    }

    // ---- kit NER JSON ----

    [Theory]
    [InlineData("""{"text":"张三在北京","entities":[{"type":"name","start":0,"end":2,"mention":"李四"}]}""", "covers '张三' but its mention is '李四'")]
    [InlineData("""{"text":"张三在北京","entities":[{"type":"name","start":3,"end":9,"mention":"北京"}]}""", "outside the text")]
    [InlineData("""{"text":"张三在北京","entities":[{"type":"name","start":0,"end":2,"mention":"张三"}""", "malformed JSON")]
    [InlineData("""{"text":"张三在北京","entities":[{"type":"name","start":"0","end":2,"mention":"张三"}]}""", "entity must be")]
    public void NerJsonFile(string badLine, string fragment)
    {
        var path = _files.Write("n.jsonl", $"{GoodNerJson}\n{badLine}\n");
        var ex = Assert.Throws<DataFormatException>(() => NerJson.Read(path));
        AssertNamesFileAndLine(ex, path, 2, fragment);
        AssertLenientReport(NerJson.Read(path, lenient: true).Report, 1, 2, fragment);
    }

    // ---- CoNLL ----

    private const string GoodBio = "张 B-name\n三 I-name\n到 O\n\n";

    [Theory]
    [InlineData(TagScheme.Bio, "北 O\n京 I-address\n\n", 2, "does not continue an entity")]
    [InlineData(TagScheme.Bio, "北 B-address\n京 I-name\n\n", 2, "type changes within an entity")]
    [InlineData(TagScheme.Bio, "北 B-address\n京 E-address\n\n", 2, "not part of the BIO scheme")]
    [InlineData(TagScheme.Bioes, "北 B-address\n京 O\n\n", 2, "not closed with E-address")]
    [InlineData(TagScheme.Bioes, "北 B-address\n京 I-address\n\n", 2, "end of the sentence")]
    [InlineData(TagScheme.Bioes, "北 E-address\n京 O\n\n", 1, "does not end an entity")]
    [InlineData(TagScheme.Bmes, "北 B-address\n京 I-address\n\n", 2, "not part of the BMES scheme")]
    [InlineData(TagScheme.Bmes, "北 B-address\n京 S-name\n\n", 2, "still open")]
    [InlineData(TagScheme.Bio, "北京 B-address\n京 I-address\n\n", 1, "one character and one tag")]
    [InlineData(TagScheme.Bio, "北 B-address extra\n京 I-address\n\n", 1, "one character and one tag")]
    [InlineData(TagScheme.Bio, "北\n京 I-address\n\n", 1, "one character and one tag")]
    [InlineData(TagScheme.Bio, "北 X\n\n", 1, "neither O nor <prefix>-<type>")]
    public void Conll(TagScheme scheme, string badSentence, int badLineInSentence, string fragment)
    {
        var good = scheme == TagScheme.Bio ? GoodBio : "张 B-name\n三 E-name\n到 O\n\n";
        if (scheme == TagScheme.Bmes) good = "张 B-name\n三 E-name\n到 S-x.y\n\n";
        var path = _files.Write("t.conll", good + badSentence + good);
        var line = 4 + badLineInSentence;
        var ex = Assert.Throws<DataFormatException>(() => ConllReader.Read(path, scheme));
        AssertNamesFileAndLine(ex, path, line, fragment);
        var lenient = ConllReader.Read(path, scheme, lenient: true);
        Assert.Equal(2, lenient.Items.Count);
        AssertLenientReport(lenient.Report, 2, line, fragment);
    }

    // ---- instruction files ----

    [Fact]
    public void InstructionJsonLines()
    {
        var good = """{"instruction":"问","input":"","output":"答"}""";
        var path = _files.Write("i.jsonl", $"{good}\n{good}\n{{\"instruction\":\"问\",\n{good}\n");
        var ex = Assert.Throws<DataFormatException>(() => InstructionFileReader.Read(path));
        AssertNamesFileAndLine(ex, path, 3, "malformed JSON");
        var lenient = InstructionFileReader.Read(path, lenient: true);
        Assert.Equal(3, lenient.Items.Count);
        AssertLenientReport(lenient.Report, 3, 3, "malformed JSON");
    }

    [Fact]
    public void InstructionJsonArrayMalformedNamesTheLineWhereParsingStopped()
    {
        var path = _files.Write("a.json", "[\n  {\"instruction\": \"问\", \"output\": \"答\"},\n  {\"instruction\": \"问\" \"output\": \"答\"}\n]\n");
        var ex = Assert.Throws<DataFormatException>(() => InstructionFileReader.Read(path));
        AssertNamesFileAndLine(ex, path, 3, "malformed JSON");
    }

    [Theory]
    [InlineData("""{"instruction": "问", "output": 3}""", "field 'output' must be a string")]
    [InlineData("""{"instruction": "问", "output": "答", "history": [["a", "b", "c"]]}""", "entry must be [query, response]")]
    [InlineData("""{"instruction": "问", "output": "答", "history": "a"}""", "must be a list of [query, response] pairs")]
    public void InstructionJsonArrayBadRecordNamesItsLine(string bad, string fragment)
    {
        var path = _files.Write("b.json", $"[\n  {{\"instruction\": \"问\", \"output\": \"答\"}},\n  {bad},\n  {{\"instruction\": \"问\", \"output\": \"答\"}}\n]\n");
        var ex = Assert.Throws<DataFormatException>(() => InstructionFileReader.Read(path));
        AssertNamesFileAndLine(ex, path, 3, fragment);
        var lenient = InstructionFileReader.Read(path, lenient: true);
        AssertLenientReport(lenient.Report, 2, 3, fragment);
    }

    [Fact]
    public void DatasetRegistryMalformedJson()
    {
        var path = _files.Write("dataset_info.json", "{\n  \"a\": {\"file_name\": \"a.json\"},\n  \"b\": {\"file_name\": }\n}\n");
        var ex = Assert.Throws<DataFormatException>(() => DatasetRegistry.Load(path));
        AssertNamesFileAndLine(ex, path, 3, "malformed JSON");
    }
}
