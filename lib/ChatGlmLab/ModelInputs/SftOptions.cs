namespace ChatGlmLab.ModelInputs;

/// <summary>How instruction records become model inputs (the Python toolkit's data arguments).</summary>
public sealed record SftOptions
{
    /// <summary>Source (prompt) tokens at most, [gMASK] and &lt;sop&gt; included (the toolkit cuts the source to this - 2).</summary>
    public int MaxSourceLength { get; init; } = 512;
    /// <summary>Target tokens at most, &lt;eop&gt; included (the toolkit cuts the target to this - 1).</summary>
    public int MaxTargetLength { get; init; } = 512;
    /// <summary>THUDM ptuning/main.py keeps &lt;sop&gt; as a label; the toolkit (v0.1.5) masks it.</summary>
    public bool KeepSopLabel { get; init; }
    /// <summary>Prompt template name: "chatglm" (chat()'s layout, default) or "chatglm-cet" (toolkit v0.1.5).</summary>
    public string Template { get; init; } = "chatglm";
}
