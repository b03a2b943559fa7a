using ChatGlmLab.Evaluation;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Evaluation;

public class GeneratedPredictionsFileTests : IDisposable
{
    private readonly TempFiles _files = new();
    public void Dispose() => _files.Dispose();

    [Fact]
    public void WhatItWritesReadsBack()
    {
        string path = _files.PathOf("generated_predictions.jsonl");
        GeneratedPredictionsFile.Write(path, ["类别$名词", ""], ["类别", "答"]);
        var (labels, predictions) = GeneratedPredictionsFile.Read(path);
        Assert.Equal(["类别$名词", ""], labels);
        Assert.Equal(["类别", "答"], predictions);
    }

    [Theory]
    [InlineData("""{"label": "a", "predict": null}""", "\"predict\" is null")]
    [InlineData("""{"label": 3, "predict": "a"}""", "\"label\" is number")]
    [InlineData("""{"label": "a"}""", "expected {\"label\": ..., \"predict\": ...}")]
    public void ANonStringAnswerIsRefusedWithFileAndLineNotScoredAsEmpty(string badLine, string fragment)
    {
        string path = _files.Write("p.jsonl", "{\"label\": \"a\", \"predict\": \"a\"}\n" + badLine + "\n");
        var e = Assert.Throws<InvalidDataException>(() => GeneratedPredictionsFile.Read(path));
        Assert.StartsWith($"{path}:2: ", e.Message);
        Assert.Contains(fragment, e.Message);
    }
}
