using ChatGlmLab.Charts;

namespace ChatGlmLab.Cli.Commands;

/// <summary><c>png REPORT.html OUT.png [--width W] [--height H]</c>: a headless-Chromium snapshot of a chart page (e.g. compare's report.html).</summary>
public static class PngCommand
{
    public static int Run(string[] args, CliContext context)
    {
        var positional = new List<string>();
        int width = 1000, height = 1800;
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
        if (!File.Exists(positional[0])) throw new FileNotFoundException($"not found: {positional[0]}");
        ChartImage.Screenshot(positional[0], positional[1], width, height);
        context.Stdout.WriteLine($"png: {Path.GetFullPath(positional[1])}");
        return CliApp.Ok;
    }
}
