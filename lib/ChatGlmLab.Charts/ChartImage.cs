using System.Diagnostics;

namespace ChatGlmLab.Charts;

/// <summary>
/// PNG snapshots of self-contained chart pages (e.g. report.html) with a headless Chromium, for READMEs and
/// CI checks. The page embeds plotly.js, so no network is needed. Chromium refuses to run as root without
/// --no-sandbox (CI runs as root).
/// </summary>
public static class ChartImage
{
    public static readonly string[] KnownBrowsers = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

    /// <summary>The first browser found: CHATGLMLAB_CHROMIUM, then the usual Debian/Ubuntu paths; null when none is installed.</summary>
    public static string? FindBrowser() =>
        Environment.GetEnvironmentVariable("CHATGLMLAB_CHROMIUM") is { Length: > 0 } configured ? configured : KnownBrowsers.FirstOrDefault(File.Exists);

    /// <summary>
    /// The window a snapshot is taken in unless told otherwise: the comparison report's figure and the page's margins
    /// (8 px a side), so its legends at the right edge are in the picture.
    /// </summary>
    public const int DefaultWidth = ComparisonCharts.ReportWidth + 16, DefaultHeight = ComparisonCharts.ReportHeight + 16;

    public static void Screenshot(string htmlPath, string pngPath, int width = DefaultWidth, int height = DefaultHeight, string? browser = null, TimeSpan? timeout = null)
    {
        browser ??= FindBrowser() ?? throw new FileNotFoundException("no Chromium found (apt-get install chromium, or set CHATGLMLAB_CHROMIUM)");
        if (File.Exists(pngPath)) File.Delete(pngPath);
        var start = new ProcessStartInfo(browser)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--disable-dev-shm-usage",
                     // plotly.js draws after load; virtual time lets its timers run before the shot is taken.
                     "--virtual-time-budget=5000", $"--window-size={width},{height}", $"--screenshot={Path.GetFullPath(pngPath)}",
                     new Uri(Path.GetFullPath(htmlPath)).AbsoluteUri,
                 })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {browser}");
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{browser} did not finish the screenshot of {htmlPath}");
        }
        if (!File.Exists(pngPath))
            throw new InvalidOperationException($"{browser} exited {process.ExitCode} without writing {pngPath}: {stderr.Result}");
    }
}
