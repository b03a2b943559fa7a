namespace ChatGlmLab.Cli.Commands;

public static class PretrainCommand
{
    public static ArgumentSpec Spec() => new ArgumentSpec("pretrain");
    public static int Run(string[] args, CliContext context) => throw new CliUsageException("not yet");
}
