namespace ChatGlmLab.ModelInputs;

/// <summary>One example as token ids: training (prompt + answer, labels -100 over the prompt) or evaluation (prompt only, labels = answer).</summary>
public sealed record TokenizedExample(int[] InputIds, int[] Labels)
{
    public int Length => InputIds.Length;
}
