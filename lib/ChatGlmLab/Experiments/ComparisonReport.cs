using ChatGlmLab.Adapters;
using ChatGlmLab.Metrics;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ChatGlmLab.Runtime;

namespace ChatGlmLab.Experiments;

/// <summary>The comparison as the seed's section-7 table (rows = metrics, columns = base and methods), results.json and report.md.</summary>
public static class ComparisonReport
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IReadOnlyList<(string Metric, IReadOnlyList<string> Values)> Rows(ComparisonResult r)
    {
        string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
        string Pct(double v) => (v * 100).ToString("F1", CultureInfo.InvariantCulture);
        IReadOnlyList<string> Col(Func<MethodResult, string> f) => r.Methods.Select(f).ToList();
        return
        [
            ("BLEU-4", Col(m => F(m.Generation.Bleu4))),
            ("ROUGE-1", Col(m => F(m.Generation.Rouge1))),
            ("ROUGE-2", Col(m => F(m.Generation.Rouge2))),
            ("ROUGE-L", Col(m => F(m.Generation.RougeL))),
            ("entity F1, gold history", Col(m => Pct(m.GoldHistory.Micro.F1))),
            ("entity F1, cascade", Col(m => Pct(m.Cascade.Micro.F1))),
            ("entity F1, cascade, grounded", Col(m => Pct(m.CascadeGrounded.Micro.F1))),
            ("entity P / R, cascade", Col(m => $"{Pct(m.Cascade.Micro.Precision)} / {Pct(m.Cascade.Micro.Recall)}")),
            ("trainable params", Col(m => m.TrainableParameters.ToString("N0", CultureInfo.InvariantCulture))),
            ("trainable %", Col(m => m.TrainablePercent.ToString("F2", CultureInfo.InvariantCulture))),
            ("peak memory (MiB)", Col(m => (m.PeakResidentBytes / (1024.0 * 1024)).ToString("F0", CultureInfo.InvariantCulture))),
            ("train time (s)", Col(m => m.TrainSeconds.ToString("F0", CultureInfo.InvariantCulture))),
            ("final train loss", Col(m => m.TrainLoss is double l ? l.ToString("F3", CultureInfo.InvariantCulture) : "-")),
        ];
    }

    public static string Markdown(ComparisonResult r)
    {
        var sb = new StringBuilder();
        sb.Append("| metric | ").Append(string.Join(" | ", r.Methods.Select(m => m.Name))).AppendLine(" |");
        sb.Append("|---|").Append(string.Concat(r.Methods.Select(_ => "---:|"))).AppendLine();
        foreach (var (metric, values) in Rows(r))
            sb.Append("| ").Append(metric).Append(" | ").Append(string.Join(" | ", values)).AppendLine(" |");
        return sb.ToString();
    }

    public static string PlainTable(ComparisonResult r)
    {
        var rows = Rows(r);
        int first = Math.Max(6, rows.Max(x => x.Metric.Length));
        var widths = r.Methods.Select((m, i) => Math.Max(m.Name.Length, rows.Max(x => x.Values[i].Length))).ToList();
        var sb = new StringBuilder();
        sb.Append("metric".PadRight(first));
        for (int i = 0; i < widths.Count; i++) sb.Append("  ").Append(r.Methods[i].Name.PadLeft(widths[i]));
        sb.AppendLine();
        foreach (var (metric, values) in rows)
        {
            sb.Append(metric.PadRight(first));
            for (int i = 0; i < widths.Count; i++) sb.Append("  ").Append(values[i].PadLeft(widths[i]));
            sb.AppendLine();
        }
        return sb.ToString();
    }

    public static void Write(ComparisonResult r, string dir)
    {
        File.WriteAllText(Path.Combine(dir, "results.json"), JsonSerializer.Serialize(r, Json) + "\n");
        var md = new StringBuilder();
        md.AppendLine("# LoRA vs P-Tuning v2 vs Freeze (vs full) on 3-turn NER").AppendLine();
        md.AppendLine(Markdown(r));
        md.AppendLine($"- base model: {r.BaseModel}");
        md.AppendLine($"- data: {r.TrainSentences} train sentences ({r.TrainRecords} 3-turn records), {r.DevSentences} dev sentences ({r.DevRecords} records)");
        md.AppendLine($"- budget: {r.FinetuneSteps} steps × batch {r.BatchSize} per method; {r.Compute}; seed {r.Seed}");
        md.AppendLine($"- decoding: {r.Decoding}; BLEU/ROUGE and gold-history F1 answer every dev record with the gold earlier turns, the cascade feeds the model's own answers forward");
        md.AppendLine($"- methods: " + string.Join("; ", r.Methods.Skip(1).Select(m => $"{m.Name} ({m.Settings}, lr {m.LearningRate})")));
        md.AppendLine($"- machine: {r.Machine}; total {r.Seconds:F0} s");
        File.WriteAllText(Path.Combine(dir, "report.md"), md.ToString());
    }

    public static ComparisonResult Read(string resultsJson) =>
        JsonFile.Deserialize<ComparisonResult>(resultsJson, Json);
}
