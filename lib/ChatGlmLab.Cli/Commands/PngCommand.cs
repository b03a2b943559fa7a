using ChatGlmLab.Charts;

namespace ChatGlmLab.Cli.Commands;

/// <summary><c>png REPORT.html OUT.png [--width W] [--height H]</c>: a headless-Chromium snapshot of a chart page (e.g. compare's report.html).</summary>
public static class PngCommand
{
    /// <summary>The named arguments; the page and the PNG come first, without names.</summary>
    public static ArgumentSpec Spec() =>
        new ArgumentSpec("png")
            .With("width", typeof(int), "viewport width in pixels", ChartImage.DefaultWidth)
            .With("height", typeof(int), "viewport height in pixels", ChartImage.DefaultHeight);

    public static int Run(string[] args, CliContext context)
    {
        var positional = new List<string>();
        int width = ChartImage.DefaultWidth, height = ChartImage.DefaultHeight;
        for (int i = 0; i < args.Length; i++)
        {
            int Value() => i + 1 < args.Length && int.TryParse(args[++i], out int v) && v > 0 ? v : throw new CliUsageException($"{args[i - 1]} needs a positive number");
            switch (args[i])
            {
                case "--width": width = Value(); break;
                case "--height": height = Value(); break;
                default: positional.Add(args[i]); break;
            }
        }
        if (positional.Count != 2) throw new CliUsageException("png needs the HTML page and the PNG to write: png REPORT.html OUT.png [--width W] [--height H]");
        InputFile.Require(positional[0], "png", "chart page (.html)");
        ChartImage.Screenshot(positional[0], positional[1], width, height);
        context.Stdout.WriteLine($"png: {Path.GetFullPath(positional[1])}");
        return CliApp.Ok;
    }
}
