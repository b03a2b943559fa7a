namespace ChatGlmLab.Experiments;

/// <summary>One row of the hardware table the seed quotes from the ChatGLM-6B README (GPU memory measured by THUDM).</summary>
public sealed record SeedHardwareRow(string Precision, int InferenceGb, int EfficientFineTuningGb);

/// <summary>
/// The seed's hardware table, shown beside the kit's computed memory table of the real chatglm-6b
/// (<see cref="MemoryTable"/>): the published figures include activations and the CUDA context, the
/// computed ones are weights (and training state) only, so the published ones are higher.
/// </summary>
public static class SeedHardwareTable
{
    public static readonly IReadOnlyList<SeedHardwareRow> Rows =
    [
        new("FP16 (no quantization)", 13, 14),
        new("INT8", 8, 9),
        new("INT4", 6, 7),
    ];
}
