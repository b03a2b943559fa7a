using System.Text.Json.Serialization;

namespace ChatGlmLab.Experiments;

/// <summary>An entity F1 published for the same benchmark, printed beside a run's table as an anchor (not measured here).</summary>
public sealed record PublishedResult(
    [property: JsonPropertyName("system")] string System,
    [property: JsonPropertyName("f1")] double F1,
    [property: JsonPropertyName("source")] string Source)
{
    /// <summary>CLUENER2020's dev-set F1 as the benchmark's README / paper and the issue that asked for the profile report them.</summary>
    public static readonly IReadOnlyList<PublishedResult> Cluener2020 =
    [
        new("BiLSTM-CRF", 70.00, "CLUENER2020 paper / README, dev set"),
        new("BERT-base", 78.82, "CLUENER2020 paper / README, dev set"),
        new("RoBERTa-wwm-large-ext", 80.42, "CLUENER2020 paper / README, dev set"),
        new("LLMs with P-Tuning / LoRA (ChatGLM2/3-6B, Baichuan2-7B)", 80.5, "≈, as reported for fine-tuned 6–7B chat models"),
    ];
}
