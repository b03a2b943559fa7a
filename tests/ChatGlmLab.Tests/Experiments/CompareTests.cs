using ChatGlmLab.Adapters;
using ChatGlmLab.Cli;
using ChatGlmLab.Experiments;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Experiments;

/// <summary>The main job end to end in its reduced profile (minutes on 2 cores): files written, methods beat the base model.</summary>
public sealed class CompareTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatglmlab-compare-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <remarks>
    /// What the reduced profile must show: the whole pipeline runs, every method's training loss falls, every method
    /// clearly beats the base model on ROUGE-L and has a higher entity F1 on the dev set (the grounded cascade: the
    /// base model answers no question in the NER formats, so its F1 is 0); the reference tagger's column is there and learns.
    /// </remarks>
    [Fact]
    [Trait("Category", "Slow")]
    public void ReducedComparisonWritesTheReportAndTrainingImprovesOnTheBaseModel()
    {
        var stdout = new StringWriter();
        int exit = CliApp.Run(["compare", "--profile", "reduced", "--output_dir", _dir, "--dataset_dir", Path.Combine(Paths.RepoRoot, "data")],
            TextReader.Null, stdout, new StringWriter());
        Assert.True(exit == 0, stdout.ToString());

        foreach (var file in new[] { "results.json", "report.md", "report.html" })
            Assert.True(File.Exists(Path.Combine(_dir, file)), $"{file} missing");
        var result = ComparisonReport.Read(Path.Combine(_dir, "results.json"));
        Assert.Equal(["base", "lora", "p_tuning", "freeze", "full"], result.Methods.Select(m => m.Name));
        var baseline = result.Methods[0];
        foreach (var m in result.Methods.Skip(1))
        {
            Assert.True(m.Generation.RougeL > baseline.Generation.RougeL + 10, $"{m.Name}: ROUGE-L {m.Generation.RougeL} vs base {baseline.Generation.RougeL}");
            Assert.True(m.CascadeGrounded.Micro.F1 > baseline.CascadeGrounded.Micro.F1,
                $"{m.Name}: entity F1 (cascade, grounded) {m.CascadeGrounded.Micro.F1:P1} vs base {baseline.CascadeGrounded.Micro.F1:P1}");
            Assert.True(m.LossHistory[^1].Loss < m.LossHistory[0].Loss, $"{m.Name}: loss {m.LossHistory[0].Loss} → {m.LossHistory[^1].Loss}");
            Assert.True(m.TrainableParameters > 0 && m.TrainablePercent <= 100);
            Assert.NotEmpty(m.LossHistory);
            Assert.True(File.Exists(Path.Combine(m.OutputDir!, "generated_predictions.jsonl")));
        }
        // The reference tagger: trained on the same sentences, scored on the same dev sentences, a column of the report.
        Assert.NotNull(result.Tagger);
        Assert.Equal(40, result.Tagger!.Entity.Sentences);
        Assert.True(result.Tagger.Entity.Micro.F1 > 0.4, $"tagger entity F1 {result.Tagger.Entity.Micro.F1:P1}");
        Assert.Contains("tagger (BiLSTM-CRF)", File.ReadAllText(Path.Combine(_dir, "report.md")));
        Assert.Contains("BLEU-4", File.ReadAllText(Path.Combine(_dir, "report.md")));
        string html = File.ReadAllText(Path.Combine(_dir, "report.html"));
        Assert.DoesNotContain("<script src=\"https://cdn", html);       // plotly.js embedded: renders offline
        Assert.Contains("LoRA vs P-Tuning v2", html);
        Assert.Contains("p_tuning", html);                                 // the methods' data is in the figure

        // The profile fine-tunes the kit's shipped base model: nothing is pretrained in the test.
        Assert.Contains("base model: the one shipped with the kit", stdout.ToString());
    }
}
