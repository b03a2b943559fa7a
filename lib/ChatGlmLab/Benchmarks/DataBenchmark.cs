using System.Diagnostics;
using ChatGlmLab.Datasets;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Tasks.Ner;

namespace ChatGlmLab.Benchmarks;

/// <summary>Timings of the NER data path on a CLUENER-format file (milliseconds, wall clock).</summary>
public sealed record DataBenchmarkResult(
    int Sentences,
    int Entities,
    int ThreeTurnRecords,
    long ThreeTurnCharacters,
    long SinglePassCharacters,
    double ReadMs,
    double BuildThreeTurnMs,
    double BuildSinglePassMs,
    double ParseBackMs,
    int RoundTripDifferences)
{
    public double RecordsPerSecond => ThreeTurnRecords / (BuildThreeTurnMs / 1000.0);

    public override string ToString() =>
        $"{Sentences} sentences, {Entities} entities: read {ReadMs:F0} ms; 3-turn build {BuildThreeTurnMs:F0} ms " +
        $"({ThreeTurnRecords} records, {ThreeTurnCharacters / 1e6:F1} M chars, {RecordsPerSecond:F0} records/s); " +
        $"single-pass build {BuildSinglePassMs:F0} ms ({SinglePassCharacters / 1e6:F1} M chars); parse back {ParseBackMs:F0} ms; round-trip differences {RoundTripDifferences}";
}

/// <summary>
/// Measures reading a CLUENER file, expanding it into 3-turn and single-pass instructions, and parsing
/// the gold answers back into spans (which must reproduce the input: differences are counted).
/// </summary>
public static class DataBenchmark
{
    /// <summary>Characters a record puts through the model: query, answer and history (the cost of a format).</summary>
    public static long Characters(InstructionRecord r) =>
        (long)r.Query.Length + r.Output.Length + r.History.Sum(h => h.Query.Length + h.Response.Length);

    public static DataBenchmarkResult Run(string cluenerPath)
    {
        var clock = Stopwatch.StartNew();
        var examples = CluenerReader.Read(cluenerPath).Items;
        var readMs = clock.Elapsed.TotalMilliseconds;

        var options = NerInstructionOptions.Article with { Labels = CluenerLabels.All };
        var builder = new NerInstructionBuilder(options);
        clock.Restart();
        var perSentence = examples.Select((e, i) => builder.Build(e, i)).ToList();
        var buildMs = clock.Elapsed.TotalMilliseconds;
        var records = perSentence.Sum(r => r.Count);
        long chars = perSentence.Sum(rs => rs.Sum(r => Characters(r.Record)));

        var single = new SinglePassBuilder(new SinglePassOptions { Labels = CluenerLabels.All });
        clock.Restart();
        var singleRecords = examples.Select(single.Record).ToList();
        var singleMs = clock.Elapsed.TotalMilliseconds;
        long singleChars = singleRecords.Sum(Characters);

        var parser = new NerAnswerParser(options);
        clock.Restart();
        var differences = 0;
        for (var i = 0; i < examples.Count; i++)
        {
            var answers = perSentence[i].Select(r => NerTurnAnswer.From(r, r.Record.Output));
            var parsed = parser.ParseThreeTurn(examples[i].Text, answers);
            if (!new NerExample(examples[i].Text, parsed.Entities).SameAs(examples[i]))
                differences++;
        }
        var parseMs = clock.Elapsed.TotalMilliseconds;

        return new DataBenchmarkResult(examples.Count, examples.Sum(e => e.Entities.Count), records, chars, singleChars,
            readMs, buildMs, singleMs, parseMs, differences);
    }
}
