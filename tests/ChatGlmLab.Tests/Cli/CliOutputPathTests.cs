using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Cli;

/// <summary>
/// An output is never an input: export and training refuse an --output_dir that is the base model or a checkpoint (however
/// the path is spelled: trailing slash, symlink), data convert refuses to write a file over its --input, and --name
/// must be a plain file name. Each refusal is a usage error (exit 2) that names both paths, and leaves the input as it was.
/// </summary>
public sealed class CliOutputPathTests : IDisposable
{
    private readonly TempFiles _tmp = new();
    public void Dispose() => _tmp.Dispose();

    /// <summary>m/base (the tiny fixture model) and lora (the tiny PEFT adapter), as a user's folders.</summary>
    private (string Base, string Lora) CopyModelAndAdapter()
    {
        string baseDir = Directory.CreateDirectory(_tmp.PathOf(Path.Combine("m", "base"))).FullName;
        foreach (var f in new[] { "config.json", "pytorch_model.bin" }) File.Copy(Paths.Fixture("chatglm-tiny", f), Path.Combine(baseDir, f));
        string lora = Directory.CreateDirectory(_tmp.PathOf("lora")).FullName;
        foreach (var f in new[] { "adapter_config.json", "adapter_model.bin" }) File.Copy(Paths.Fixture("chatglm-tiny-lora", f), Path.Combine(lora, f));
        return (baseDir, lora);
    }

    private static CliRun Export(string baseDir, string lora, string output) =>
        TinyCliModelFixture.Run("export", "--model_name_or_path", baseDir, "--checkpoint_dir", lora, "--output_dir", output, "--overwrite_output_dir");

    private static void AssertRefused(CliRun run, params string[] named)
    {
        Assert.True(run.ExitCode == 2, run.ToString());
        foreach (var part in named) Assert.Contains(part, run.Stderr);
    }

    [Fact]
    public void Export_over_the_base_model_with_a_trailing_slash_or_through_a_symlink_is_refused_and_the_base_is_untouched()
    {
        var (baseDir, lora) = CopyModelAndAdapter();
        string weights = Path.Combine(baseDir, "pytorch_model.bin");
        byte[] before = File.ReadAllBytes(weights);

        string withSlash = baseDir + Path.DirectorySeparatorChar;
        AssertRefused(Export(baseDir, lora, withSlash), $"--output_dir {withSlash}", $"--model_name_or_path {baseDir}", "choose another --output_dir");

        string link = _tmp.PathOf("link-to-base");
        Directory.CreateSymbolicLink(link, baseDir);
        AssertRefused(Export(baseDir, lora, link), $"--output_dir {link}", $"--model_name_or_path {baseDir}");

        Assert.Equal(before, File.ReadAllBytes(weights));
        Assert.Equal(["config.json", "pytorch_model.bin"], Directory.GetFiles(baseDir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Export_into_the_adapter_directory_is_refused_and_elsewhere_works()
    {
        var (baseDir, lora) = CopyModelAndAdapter();
        AssertRefused(Export(baseDir, lora, lora + Path.DirectorySeparatorChar), $"--checkpoint_dir {lora}");
        Assert.Equal(["adapter_config.json", "adapter_model.bin"], Directory.GetFiles(lora).Select(Path.GetFileName).Order());

        // The same command to a folder of its own goes through: the rule refuses only what is an input.
        string merged = _tmp.PathOf(Path.Combine("m", "merged"));
        var run = Export(baseDir, lora, merged);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(Path.Combine(merged, "pytorch_model.bin")));
    }

    [Fact]
    public void Training_into_the_base_model_or_the_adapter_it_continues_is_refused_even_with_overwrite()
    {
        var (baseDir, lora) = CopyModelAndAdapter();
        byte[] before = File.ReadAllBytes(Path.Combine(baseDir, "pytorch_model.bin"));
        CliRun Train(string output, params string[] extra) => TinyCliModelFixture.Run(
            ["train", "--do_train", "--model_name_or_path", baseDir, "--dataset", "maintenance_3turn_train",
             "--dataset_dir", Path.Combine(Paths.RepoRoot, "data"), "--max_steps", "1", "--output_dir", output, "--overwrite_output_dir", .. extra]);

        // Full fine-tuning would save its pytorch_model.bin over the base model's.
        string link = _tmp.PathOf("link-to-base");
        Directory.CreateSymbolicLink(link, baseDir);
        AssertRefused(Train(link, "--finetuning_type", "full"), $"--output_dir {link}", $"--model_name_or_path {baseDir}", "choose another --output_dir");
        // LoRA continued from an adapter would save its adapter_model.bin over the one it loaded.
        AssertRefused(Train(lora + Path.DirectorySeparatorChar, "--finetuning_type", "lora", "--checkpoint_dir", lora), $"--checkpoint_dir {lora}");

        Assert.Equal(before, File.ReadAllBytes(Path.Combine(baseDir, "pytorch_model.bin")));
        Assert.Equal(["config.json", "pytorch_model.bin"], Directory.GetFiles(baseDir).Select(Path.GetFileName).Order());
        Assert.Equal(["adapter_config.json", "adapter_model.bin"], Directory.GetFiles(lora).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Convert_refuses_to_write_its_output_over_the_input_even_with_overwrite()
    {
        string dir = Directory.CreateDirectory(_tmp.PathOf("corpus")).FullName;
        string input = Path.Combine(dir, "x.ner.jsonl");
        File.Copy(Path.Combine(Paths.RepoRoot, "data", "maintenance", "dev.ner.jsonl"), input);
        byte[] before = File.ReadAllBytes(input);

        // --name defaults to "x", so the ner_json output would be x.ner.jsonl in the input's own folder.
        var run = TinyCliModelFixture.Run("data", "convert", "--input", input, "--output_dir", dir + Path.DirectorySeparatorChar, "--overwrite_output_dir");
        AssertRefused(run, input, "--input", "choose another --output_dir or --name");

        string link = _tmp.PathOf("link-to-corpus");
        Directory.CreateSymbolicLink(link, dir);
        AssertRefused(TinyCliModelFixture.Run("data", "convert", "--input", input, "--output_dir", link, "--overwrite_output_dir"),
            Path.Combine(link, "x.ner.jsonl"), input);
        Assert.Equal(before, File.ReadAllBytes(input));
        Assert.Equal(["x.ner.jsonl"], Directory.GetFiles(dir).Select(Path.GetFileName));

        // Another name in the same folder is fine.
        var renamed = TinyCliModelFixture.Run("data", "convert", "--input", input, "--output_dir", dir, "--name", "y", "--outputs", "ner_json");
        Assert.True(renamed.ExitCode == 0, renamed.ToString());
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(dir, "y.ner.jsonl")));
    }

    [Theory]
    [InlineData("../escaped")]
    [InlineData("sub/name")]
    [InlineData("..")]
    [InlineData(".")]
    public void Convert_name_must_be_a_plain_file_name(string name)
    {
        string output = _tmp.PathOf("out");
        var run = TinyCliModelFixture.Run("data", "convert", "--input", Path.Combine(Paths.RepoRoot, "data", "maintenance", "dev.ner.jsonl"),
            "--output_dir", output, "--name", name);
        AssertRefused(run, $"--name '{name}' must be a plain file name");
        Assert.False(Directory.Exists(output));
        Assert.False(File.Exists(_tmp.PathOf("escaped.ner.jsonl")));
    }
}
