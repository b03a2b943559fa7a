namespace ChatGlmLab.Cli.Commands;

public static class DataCommand
{
    public static ArgumentSpec Spec() => new ArgumentSpec("data");
    public static int Run(string[] args, CliContext context) => throw new CliUsageException("not yet");
}
