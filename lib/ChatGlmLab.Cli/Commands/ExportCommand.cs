using ChatGlmLab.Experiments;
using ChatGlmLab.Runtime;

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
            .With("output_dir", typeof(string), "where the merged model is written (required; not the base model or a checkpoint)")
            .With("overwrite_output_dir", typeof(bool), "write into an --output_dir that is not empty", false)
            .With("finetuning_type", typeof(string), "accepted for the toolkit's command lines; checkpoints are recognised by their files");

    public static int Run(string[] args, CliContext context)
    {
        var given = Spec().Parse(args);
        var modelArgs = given.Bind<ModelArguments>();
        ModelSetup.CheckModelArguments(modelArgs);
        if (modelArgs.QuantizationBit != null)
            throw new CliUsageException("export writes a float checkpoint; drop --quantization_bit (quantize when loading the export instead)");
        string outputDir = given.Require("output_dir", "where the merged model is written");
        // The input check first: with --overwrite_output_dir, an output_dir that is the base model would otherwise pass.
        if (modelArgs.RefusalToWriteOver(outputDir, "--") is { } inputRefusal) throw new CliUsageException(inputRefusal);
        if (OutputDirectory.RefusalToWriteInto(outputDir, given.GetBool("overwrite_output_dir")) is { } refusal) throw new CliUsageException(refusal);

        var copied = Deployment.Export(modelArgs, outputDir);

        var output = context.Stdout;
        output.WriteLine($"exported {modelArgs.ModelNameOrPath}" + (modelArgs.CheckpointDir is { } c ? $" + {c}" : "") + " as a full checkpoint");
        output.WriteLine(copied.Count > 0 ? $"tokenizer files copied: {string.Join(", ", copied)}" : "warning: the base model has no tokenizer files to copy");
        output.WriteLine($"model: {Path.GetFullPath(outputDir)}");
        return CliApp.Ok;
    }
}
