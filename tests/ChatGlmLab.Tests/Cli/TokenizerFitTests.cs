using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Cli;

/// <summary>A model directory whose tokenizer does not fit its config is refused before anything runs, with what to do.</summary>
public class TokenizerFitTests : IDisposable
{
    private readonly TempFiles _files = new();
    public void Dispose() => _files.Dispose();

    /// <summary>chatglm-tiny (vocab 600) with the real chatglm-6b tokenizer (130,344 pieces) beside it.</summary>
    private string MismatchedModel()
    {
        string dir = _files.PathOf("model");
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(Paths.Fixture("chatglm-tiny"))) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        foreach (var f in new[] { "ice_text.model", "tokenizer_config.json" }) File.Copy(Paths.Fixture("tokenizer", f), Path.Combine(dir, f));
        return dir;
    }

    [Fact]
    public void ChatRefusesATokenizerLargerThanTheModelsVocabulary()
    {
        string dir = MismatchedModel();
        var run = TinyCliModelFixture.Run("chat", "--model_name_or_path", dir);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{dir}: the tokenizer has 130344 pieces but config.json vocab_size is 600", run.Stderr);
        Assert.Contains("use the tokenizer files the model was trained with", run.Stderr);
    }

    [Fact]
    public void TheLibraryRefusesItToo()
    {
        string dir = MismatchedModel();
        var e = Assert.Throws<InvalidDataException>(() => ChatGlm.LoadPretrained(new ModelArguments { ModelNameOrPath = dir }));
        Assert.Contains("vocab_size is 600", e.Message);
    }
}
