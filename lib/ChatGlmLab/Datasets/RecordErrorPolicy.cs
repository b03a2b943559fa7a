namespace ChatGlmLab.Datasets;

/// <summary>
/// The one place that decides what a bad record means: strict mode throws a
/// <see cref="DataFormatException"/> naming file and line; lenient mode records the skip in the
/// report (which the caller prints at the end) and goes on.
/// </summary>
internal static class RecordErrorPolicy
{
    public static void Handle(LoadReport report, bool lenient, int line, string reason, Exception? inner = null)
    {
        if (!lenient)
            throw new DataFormatException(report.FilePath, line, reason, inner);
        report.Skip(line, reason);
    }
}
