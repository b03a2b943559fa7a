using System.Text.Json.Serialization;

namespace ChatGlmLab.Experiments;

/// <summary>
/// How the small CPU base model of the comparison is made (<see cref="BaseModelBuilder"/> follows it): its shape,
/// its tokenizer, what it is pretrained on and how. Every constant of the build lives here, so the model's cache key
/// (<see cref="BaseModelCacheKey"/>) is the hash of this record, the seed and the text it is built from: change any
/// field and the next run builds a new model. The defaults are the "default" profile's model; the other profiles
/// (<see cref="ExperimentProfile"/>) state only what they change. Ignored when the comparison runs on a real checkpoint.
/// </summary>
public sealed record BaseModelRecipe
{
    /// <summary>The model's name in its config.json.</summary>
    public string Name { get; init; } = "chatglmlab-maintenance-small";

    // Shape: ChatGLM-6B's architecture (28 layers, hidden 4096) shrunk to what 2 CPU cores pretrain in an hour. Depth
    // over width: 6 layers of 4 heads fine-tune to a higher entity F1 than 3 layers of 3 heads at hidden 192, with fewer
    // parameters (docs/findings.md, "The shipped base model"); more heads to copy the sentence with, probably (not measured).
    public int HiddenSize { get; init; } = 128;
    public int NumLayers { get; init; } = 6;
    public int NumHeads { get; init; } = 4;
    public int InnerHiddenSize { get; init; } = 512;
    public int MaxSequenceLength { get; init; } = 1024;

    // Tokenizer, built from the corpus (see BaseModelBuilder).
    /// <summary>Multi-character pieces beside the single characters (the vocabulary is about this plus the corpus's characters).</summary>
    public int TokenizerMultiCharacterPieces { get; init; } = 4000;
    /// <summary>A character occurring this often gets its own piece (1 = every character of the corpus).</summary>
    public int TokenizerMinCharacterFrequency { get; init; } = 1;
    /// <summary>
    /// Train sentences (the first ones; 0 = all) whose 3-turn records, questions and answers, go into the tokenizer's corpus and
    /// the glossary. Fixed here rather than taken from <see cref="CompareOptions.TrainSentences"/>, so a comparison that
    /// fine-tunes on more or fewer sentences (the long profile: all 2,000) starts from the same base model.
    /// </summary>
    public int InstructionSentences { get; init; } = 240;
    /// <summary>Records whose prompt, built with ChatGLM's template, goes into the tokenizer's corpus (for the template's own words).</summary>
    public int TokenizerTemplatePrompts { get; init; } = 20;

    // What it is pretrained on.
    /// <summary>With the bundled corpus: further unlabelled sentences from its generator over the whole lexicon,
    /// pretrained on beside the train sentences (0 = the train sentences only).</summary>
    public int GeneratorSentences { get; init; } = 30000;
    /// <summary>Instructions of the train records added to the glossary (plain text for the GLM objective, never their answers).</summary>
    public int GlossaryInstructions { get; init; } = 200;
    /// <summary>How many times the glossary (the NER questions' wording and label names) is repeated, so its tokens are trained.</summary>
    public int GlossaryRepeats { get; init; } = 4;
    /// <summary>The text skills it learns (copying first: NER answers are pieces of the sentence).</summary>
    public PretrainingCurriculum Curriculum { get; init; } = new();

    // How it is pretrained (the trainer's names). The default profile's model is built once, outside the comparison's
    // budget, and shipped in the repository (data/base-model); the test profiles pretrain their own in a minute or two.
    public int Steps { get; init; } = 20000;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 2e-3;
    public string LrSchedulerType { get; init; } = "cosine";
    public double WarmupRatio { get; init; } = 0.05;
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>Whether pretraining computes in bf16 (fp32 master weights); the saved model is float32 either way. Fixed here, unlike the fine-tuning's
    /// (<see cref="FinetuneRecipe.Bf16"/>), because it is part of the key: a machine-dependent value would make the shipped
    /// model's key differ between machines. Float32, because most CPUs here have no bf16 instructions (Intel Xeon without
    /// AVX512-BF16: 615 ms a step in bf16 against 290 in float32 for this shape), and float32 is exact everywhere.</summary>
    public bool Bf16 { get; init; }
    public int MaxSourceLength { get; init; } = 256;
    public int MaxTargetLength { get; init; } = 128;

    // Initial weights: ChatGLM's initialiser (std 0.02) scaled up, see BaseModelBuilder.ScaleInitialWeights for why.
    /// <summary>Scale of the block linears' initial weights.</summary>
    public double InitScale { get; init; } = 3.0;
    /// <summary>Scale of the two projections back into the residual (attention.dense, mlp.dense_4h_to_h).</summary>
    public double ResidualOutputInitScale { get; init; } = 9.0;

    /// <summary>
    /// Seeds the pretraining (initial weights, the drawn tasks, batch order). The comparison's own seed
    /// (<see cref="CompareOptions.Seed"/>) seeds only the fine-tuning, so runs over several seeds share one base model.
    /// Not in the recipe's JSON: the key and the manifest carry it on a line and a field of their own.
    /// </summary>
    [JsonIgnore] public int Seed { get; init; } = 42;
}
