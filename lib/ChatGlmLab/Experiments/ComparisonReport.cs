using ChatGlmLab.Adapters;
using ChatGlmLab.Metrics;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ChatGlmLab.Runtime;

namespace ChatGlmLab.Experiments;

/// <summary>The comparison as the seed's section-7 table (rows = metrics, columns = base, methods and the reference tagger), results.json and report.md.</summary>
public static class ComparisonReport
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // The score rows' names (the seed spread summarises the same rows under the same names).
    public const string Bleu4Row = "BLEU-4", RougeLRow = "ROUGE-L", GoldHistoryF1Row = "entity F1, gold history",
        CascadeF1Row = "entity F1, cascade", GroundedF1Row = "entity F1, cascade, grounded";

    /// <summary>The table's column names: the base model, the methods, then the tagger when it ran.</summary>
    public static IReadOnlyList<string> Columns(ComparisonResult r) =>
        r.Methods.Select(m => m.Name).Concat(r.Tagger is { } t ? [t.Name] : []).ToList();

    /// <summary>
    /// The table's rows. The tagger has no generated answers (no BLEU / ROUGE, no gold-history answers: "-"); its spans
    /// are pieces of the sentence typed from the label set, as the grounded cascade's are, so its one F1 stands in both
    /// cascade rows; its loss (CRF negative log-likelihood per sentence) is not on the models' scale and is left out.
    /// </summary>
    public static IReadOnlyList<(string Metric, IReadOnlyList<string> Values)> Rows(ComparisonResult r)
    {
        string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
        string Pct(double v) => (v * 100).ToString("F1", CultureInfo.InvariantCulture);
        string MiB(long bytes) => (bytes / (1024.0 * 1024)).ToString("F0", CultureInfo.InvariantCulture);
        string Seconds(double s) => s.ToString("F0", CultureInfo.InvariantCulture);
        string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        var t = r.Tagger;
        IReadOnlyList<string> Col(Func<MethodResult, string> f, Func<TaggerResult, string>? tagger = null) =>
            r.Methods.Select(f).Concat(t == null ? [] : [tagger?.Invoke(t) ?? "-"]).ToList();
        return
        [
            (Bleu4Row, Col(m => F(m.Generation.Bleu4))),
            ("ROUGE-1", Col(m => F(m.Generation.Rouge1))),
            ("ROUGE-2", Col(m => F(m.Generation.Rouge2))),
            (RougeLRow, Col(m => F(m.Generation.RougeL))),
            (GoldHistoryF1Row, Col(m => Pct(m.GoldHistory.Micro.F1))),
            (CascadeF1Row, Col(m => Pct(m.Cascade.Micro.F1), x => Pct(x.Entity.Micro.F1))),
            (GroundedF1Row, Col(m => Pct(m.CascadeGrounded.Micro.F1), x => Pct(x.Entity.Micro.F1))),
            ("entity P / R, cascade", Col(m => $"{Pct(m.Cascade.Micro.Precision)} / {Pct(m.Cascade.Micro.Recall)}", x => $"{Pct(x.Entity.Micro.Precision)} / {Pct(x.Entity.Micro.Recall)}")),
            ("trainable params", Col(m => Count(m.TrainableParameters), x => Count(x.TrainableParameters))),
            ("trainable %", Col(m => m.TrainablePercent.ToString("F2", CultureInfo.InvariantCulture), _ => "100.00")),
            ("peak memory (MiB)", Col(m => MiB(m.PeakResidentBytes), x => MiB(x.PeakResidentBytes))),
            ("train time (s)", Col(m => Seconds(m.TrainSeconds), x => Seconds(x.TrainSeconds))),
            ("final train loss", Col(m => m.TrainLoss is double l ? l.ToString("F3", CultureInfo.InvariantCulture) : "-")),
        ];
    }

    public static string Markdown(ComparisonResult r)
    {
        var columns = Columns(r);
        var sb = new StringBuilder();
        sb.Append("| metric | ").Append(string.Join(" | ", columns)).AppendLine(" |");
        sb.Append("|---|").Append(string.Concat(columns.Select(_ => "---:|"))).AppendLine();
        foreach (var (metric, values) in Rows(r))
            sb.Append("| ").Append(metric).Append(" | ").Append(string.Join(" | ", values)).AppendLine(" |");
        return sb.ToString();
    }

    public static string PlainTable(ComparisonResult r)
    {
        var rows = Rows(r);
        var columns = Columns(r);
        int first = Math.Max(6, rows.Max(x => x.Metric.Length));
        var widths = columns.Select((name, i) => Math.Max(name.Length, rows.Max(x => x.Values[i].Length))).ToList();
        var sb = new StringBuilder();
        sb.Append("metric".PadRight(first));
        for (int i = 0; i < widths.Count; i++) sb.Append("  ").Append(columns[i].PadLeft(widths[i]));
        sb.AppendLine();
        foreach (var (metric, values) in rows)
        {
            sb.Append(metric.PadRight(first));
            for (int i = 0; i < widths.Count; i++) sb.Append("  ").Append(values[i].PadLeft(widths[i]));
            sb.AppendLine();
        }
        if (r.PublishedResults.Count > 0) sb.AppendLine().Append(PublishedLines(r));
        return sb.ToString();
    }

    /// <summary>The published results beside this run's budget (printed under the table; the anchors are not measured here).</summary>
    public static string PublishedLines(ComparisonResult r)
    {
        var sb = new StringBuilder();
        sb.AppendLine("published entity F1 on the same benchmark (not measured here):");
        foreach (var p in r.PublishedResults)
            sb.AppendLine($"  {p.System}: {p.F1.ToString("F1", CultureInfo.InvariantCulture)} ({p.Source})");
        sb.AppendLine($"this run's budget: {Budget(r)}");
        return sb.ToString();
    }

    /// <summary>What each column was given: data, fine-tuning steps, the tagger's passes.</summary>
    public static string Budget(ComparisonResult r) =>
        $"{r.TrainSentences} train sentences ({r.TrainRecords} 3-turn records), {r.DevSentences} dev sentences; {r.FinetuneSteps} steps × batch {r.BatchSize} per method" +
        (r.Tagger is { } t ? $"; tagger {t.Epochs.ToString("F1", CultureInfo.InvariantCulture)} epochs in {t.TrainSeconds:F0} s" : "") + $"; total {r.Seconds:F0} s on {r.Machine}";

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
        if (r.Tagger is { } t)
            md.AppendLine($"- {t.Name}: {t.Settings}; trained {t.Epochs:F1} epochs ({t.Steps} steps, {t.TrainSeconds:F0} s) on the same train sentences" +
                          (t.UntaggableTrainSentences > 0 ? $" ({t.UntaggableTrainSentences} left out: overlapping spans, unknown types or empty)" : "") +
                          "; its spans scored by the same entity scorer on the same dev sentences (shown in both cascade rows: they are pieces of the sentence typed from the label set)");
        if (r.Corpus != null) md.AppendLine($"- corpus: {r.Corpus}");
        md.AppendLine($"- machine: {r.Machine}; total {r.Seconds:F0} s");
        if (r.PublishedResults.Count > 0) md.AppendLine().AppendLine("```").Append(PublishedLines(r)).AppendLine("```");
        File.WriteAllText(Path.Combine(dir, "report.md"), md.ToString());
    }

    public static ComparisonResult Read(string resultsJson) =>
        JsonFile.Deserialize<ComparisonResult>(resultsJson, Json);
}
