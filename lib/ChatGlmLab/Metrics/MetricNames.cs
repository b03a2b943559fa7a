namespace ChatGlmLab.Metrics;

/// <summary>The toolkit's metric keys, as they appear in eval_results.json / predict_results.json
/// (the trainer prefixes them with "eval_" or "predict_").</summary>
public static class MetricNames
{
    public const string Accuracy = "accuracy";
    public const string Bleu4 = "bleu-4";
    public const string Rouge1 = "rouge-1";
    public const string Rouge2 = "rouge-2";
    public const string RougeL = "rouge-l";
}
