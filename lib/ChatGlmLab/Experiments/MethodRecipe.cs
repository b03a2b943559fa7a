using ChatGlmLab.Adapters;

namespace ChatGlmLab.Experiments;

/// <summary>One fine-tuning method as the comparison runs it: the adapter's settings and its learning rate.</summary>
public sealed record MethodRecipe(FinetuningOptions Options, double LearningRate)
{
    /// <summary>The method's finetuning_type (the comparison's column name).</summary>
    public string Name => FinetuningOptions.NameOf(Options.Type);
}
