using ChatGlmLab.Experiments;

namespace ChatGlmLab.Cli.Commands;

/// <summary>
/// The toolkit's export_model.py: the base model with --checkpoint_dir applied (LoRA merged, P-Tuning
/// prefix or Freeze/full weights loaded) saved as one full Hugging Face-layout checkpoint, with the base's
/// tokenizer files copied, so --output_dir works as --model_name_or_path.
/// </summary>
public static class ExportCommand
{
    public static ArgumentSpec Spec() =>
        new ArgumentSpec("export", typeof(ModelArguments))
            .With("output_dir", typeof(string))
            .With("overwrite_output_dir", typeof(bool))
            // Accepted for the toolkit's command lines: checkpoints are recognised by their files.
            .With("finetuning_type", typeof(string));

    public static int Run(string[] args, CliContext context)
    {
        var given = Spec().Parse(args);
        var modelArgs = given.Bind<ModelArguments>();
        ModelSetup.CheckModelArguments(modelArgs);
        if (modelArgs.QuantizationBit != null)
            throw new CliUsageException("export writes a float checkpoint; drop --quantization_bit (quantize when loading the export instead)");
        string outputDir = given.Require("output_dir", "where the merged model is written");
        if (Path.GetFullPath(outputDir) == Path.GetFullPath(modelArgs.ModelNameOrPath))
            throw new CliUsageException("--output_dir must differ from --model_name_or_path");
        if (Directory.Exists(outputDir) && Directory.EnumerateFileSystemEntries(outputDir).Any() && !given.GetBool("overwrite_output_dir"))
            throw new CliUsageException($"--output_dir {outputDir} already exists and is not empty; add --overwrite_output_dir");

        var copied = Deployment.Export(modelArgs, outputDir);

        var output = context.Stdout;
        output.WriteLine($"exported {modelArgs.ModelNameOrPath}" + (modelArgs.CheckpointDir is { } c ? $" + {c}" : "") + " as a full checkpoint");
        output.WriteLine(copied.Count > 0 ? $"tokenizer files copied: {string.Join(", ", copied)}" : "warning: the base model has no tokenizer files to copy");
        output.WriteLine($"model: {Path.GetFullPath(outputDir)}");
        return CliApp.Ok;
    }
}
