using System.Text.Json;
using ChatGlmLab.Cli;

namespace ChatGlmLab.Tests.Cli;

/// <summary>
/// The CLI boundary's line for exceptions a probe cannot easily cause here (this user is root, the disk is not full):
/// each is one line, exit 1, naming the path and the argument that gave it; nothing unexpected becomes a stack trace.
/// </summary>
public sealed class FailureLineTests
{
    private static readonly string[] Args = ["--output_file", "/no/write/scores.json"];

    private static string AssertOneLine((int ExitCode, string Line) failure, params string[] parts)
    {
        Assert.Equal(1, failure.ExitCode);
        Assert.DoesNotContain('\n', failure.Line);
        Assert.StartsWith("error: ", failure.Line);
        foreach (var part in parts) Assert.Contains(part, failure.Line);
        return failure.Line;
    }

    [Fact]
    public void Permission_denied_names_the_argument_and_says_what_to_do() =>
        AssertOneLine(FailureLine.For(new UnauthorizedAccessException("Access to the path '/no/write/scores.json' is denied."), Args),
            "permission denied on --output_file /no/write/scores.json", "choose another path or change its permissions");

    [Fact]
    public void A_full_disk_or_other_io_failure_names_the_path() =>
        AssertOneLine(FailureLine.For(new IOException("No space left on device : '/no/write/scores.json'"), Args),
            "--output_file /no/write/scores.json", "No space left on device", "disk is not full");

    [Fact]
    public void Wrapped_and_unexpected_exceptions_are_one_line_too()
    {
        AssertOneLine(FailureLine.For(new AggregateException(new UnauthorizedAccessException("Access to the path '/no/write/scores.json' is denied.")), Args),
            "permission denied");
        AssertOneLine(FailureLine.For(new JsonException("'x' is an invalid start of a value.\nLineNumber: 0"), Args), "not valid JSON");
        AssertOneLine(FailureLine.For(new NullReferenceException("Object reference not set"), []),
            "Object reference not set", "NullReferenceException", FailureLine.TraceVariable);
    }

    [Fact]
    public void The_kits_own_exceptions_keep_their_message() =>
        Assert.Equal((CliApp.Failed, "error: Training stopped: the loss is NaN at step 2"),
            FailureLine.For(new ChatGlmLab.Training.NonFiniteLossException("Training stopped: the loss is NaN at step 2", 2, double.NaN, null), []));

    [Fact]
    public void A_usage_error_is_exit_code_2() =>
        Assert.Equal((CliApp.UsageError, "error: --x is wrong"), FailureLine.For(new CliUsageException("--x is wrong"), []));
}
