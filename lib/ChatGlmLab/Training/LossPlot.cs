using System.Globalization;
using System.Net;
using System.Text;

namespace ChatGlmLab.Training;

/// <summary>
/// The toolkit's plot_loss: for each key ("loss", "eval_loss") found in the log history, a chart of
/// the raw values and their TensorBoard-style EMA smoothing, written as training_&lt;key&gt;.html with an
/// inline SVG (no script, no network: opens anywhere, also offline).
/// </summary>
public static class LossPlot
{
    /// <summary>The toolkit's smoothing: EMA with weight 1.8·(sigmoid(0.05·n) − 0.5), starting at the first value.</summary>
    public static IReadOnlyList<double> Smooth(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return [];
        double weight = 1.8 * (1 / (1 + Math.Exp(-0.05 * values.Count)) - 0.5);
        var smoothed = new List<double>(values.Count);
        double last = values[0];
        foreach (var v in values)
        {
            last = last * weight + (1 - weight) * v;
            smoothed.Add(last);
        }
        return smoothed;
    }

    /// <summary>Writes one file per key with data; returns the paths written.</summary>
    public static IReadOnlyList<string> Write(string outputDir, TrainerState state, params string[] keys)
    {
        var written = new List<string>();
        foreach (var key in keys.Length == 0 ? ["loss"] : keys)
        {
            var points = state.LogHistory.Where(e => e.ContainsKey(key) && e.ContainsKey("step"))
                .Select(e => (Step: e["step"], Value: e[key])).ToList();
            if (points.Count == 0) continue;
            string path = Path.Combine(outputDir, $"training_{key}.html");
            File.WriteAllText(path, Html($"training {key} of {outputDir}", key, points));
            written.Add(path);
        }
        return written;
    }

    public static string Html(string title, string yLabel, IReadOnlyList<(double Step, double Value)> points)
    {
        const double w = 640, h = 400, left = 70, right = 20, top = 40, bottom = 50;
        var smooth = Smooth(points.Select(p => p.Value).ToList());
        double xMin = points.Min(p => p.Step), xMax = points.Max(p => p.Step);
        double yMin = Math.Min(points.Min(p => p.Value), smooth.Min()), yMax = Math.Max(points.Max(p => p.Value), smooth.Max());
        if (xMax == xMin) xMax = xMin + 1;
        if (yMax == yMin) { yMax += 0.5; yMin -= 0.5; }
        var c = CultureInfo.InvariantCulture;
        string X(double v) => (left + (v - xMin) / (xMax - xMin) * (w - left - right)).ToString("F1", c);
        string Y(double v) => (top + (yMax - v) / (yMax - yMin) * (h - top - bottom)).ToString("F1", c);
        string Line(IEnumerable<(double S, double V)> pts) => string.Join(" ", pts.Select(p => $"{X(p.S)},{Y(p.V)}"));

        var svg = new StringBuilder();
        svg.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(c, $"<text x=\"{w / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">{WebUtility.HtmlEncode(title)}</text>\n");
        svg.Append(c, $"<line x1=\"{left}\" y1=\"{h - bottom}\" x2=\"{w - right}\" y2=\"{h - bottom}\" stroke=\"black\"/>\n");
        svg.Append(c, $"<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{h - bottom}\" stroke=\"black\"/>\n");
        for (int i = 0; i <= 4; i++)
        {
            double yv = yMin + (yMax - yMin) * i / 4, xv = xMin + (xMax - xMin) * i / 4;
            svg.Append(c, $"<text x=\"{left - 6}\" y=\"{Y(yv)}\" text-anchor=\"end\" dominant-baseline=\"middle\">{yv:G4}</text>\n");
            svg.Append(c, $"<text x=\"{X(xv)}\" y=\"{h - bottom + 16}\" text-anchor=\"middle\">{xv:G6}</text>\n");
        }
        svg.Append(c, $"<text x=\"{w / 2}\" y=\"{h - 10}\" text-anchor=\"middle\">step</text>\n");
        svg.Append(c, $"<text x=\"15\" y=\"{h / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 15 {h / 2})\">{WebUtility.HtmlEncode(yLabel)}</text>\n");
        svg.Append($"<polyline id=\"original\" fill=\"none\" stroke=\"#1f77b4\" stroke-opacity=\"0.4\" points=\"{Line(points)}\"/>\n");
        svg.Append($"<polyline id=\"smoothed\" fill=\"none\" stroke=\"#1f77b4\" points=\"{Line(points.Select((p, i) => (p.Step, smooth[i])))}\"/>\n");
        svg.Append(c, $"<text x=\"{w - right - 90}\" y=\"{top + 10}\" fill=\"#1f77b4\" fill-opacity=\"0.5\">— original</text>\n");
        svg.Append(c, $"<text x=\"{w - right - 90}\" y=\"{top + 26}\" fill=\"#1f77b4\">— smoothed</text>\n");
        svg.Append("</svg>");
        return $"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{WebUtility.HtmlEncode(title)}</title></head>\n<body>\n{svg}\n</body></html>\n";
    }
}
