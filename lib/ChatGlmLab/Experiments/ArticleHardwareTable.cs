namespace ChatGlmLab.Experiments;

/// <summary>One row of the hardware table the source article quotes from the ChatGLM-6B README (GPU memory measured by THUDM).</summary>
public sealed record ArticleHardwareRow(string Precision, int InferenceGb, int EfficientFineTuningGb);

/// <summary>
/// The article's hardware table, shown beside the kit's computed memory table of the real chatglm-6b
/// (<see cref="MemoryTable"/>): the published figures include activations and the CUDA context, the
/// computed ones are weights (and training state) only, so the published ones are higher.
/// </summary>
public static class ArticleHardwareTable
{
    public static readonly IReadOnlyList<ArticleHardwareRow> Rows =
    [
        new("FP16 (no quantization)", 13, 14),
        new("INT8", 8, 9),
        new("INT4", 6, 7),
    ];
}
