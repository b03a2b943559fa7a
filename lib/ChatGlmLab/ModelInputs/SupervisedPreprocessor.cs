using ChatGlmLab.Datasets;
using ChatGlmLab.Tokenization;

namespace ChatGlmLab.ModelInputs;

/// <summary>
/// The Python toolkit's supervised preprocessing (v0.1.5): prompt = template(query, history);
/// training input = source + [gMASK] &lt;sop&gt; + target + &lt;eop&gt; with labels -100 over source,
/// [gMASK] and &lt;sop&gt; (optionally keeping &lt;sop&gt; like THUDM's script); evaluation input =
/// source + [gMASK] &lt;sop&gt; with labels = build_inputs(target) (what predict_with_generate decodes).
/// </summary>
public sealed class SupervisedPreprocessor(ChatGlmTokenizer tokenizer, SftOptions options)
{
    public const int IgnoreIndex = -100;
    private readonly PromptTemplate _template = PromptTemplate.Get(options.Template);

    public SftOptions Options => options;
    public ChatGlmTokenizer Tokenizer => tokenizer;

    public string Prompt(InstructionRecord record) => _template.BuildPrompt(record.Query, record.History);

    /// <summary><see cref="ForTraining"/> or <see cref="ForEvaluation"/> by kind.</summary>
    public TokenizedExample For(SftExampleKind kind, InstructionRecord record) =>
        kind == SftExampleKind.Training ? ForTraining(record) : ForEvaluation(record);

    public TokenizedExample ForTraining(InstructionRecord record)
    {
        var (source, target) = SourceAndTarget(record, targetSpecialTokens: 1);
        var input = tokenizer.BuildInputsWithSpecialTokens(source, target);
        int contextLength = source.Length + 2;          // through [gMASK] <sop>
        int masked = options.KeepSopLabel ? contextLength - 1 : contextLength;
        var labels = new int[input.Length];
        Array.Fill(labels, IgnoreIndex, 0, masked);
        Array.Copy(input, masked, labels, masked, input.Length - masked);
        return new TokenizedExample(input, labels);
    }

    public TokenizedExample ForEvaluation(InstructionRecord record)
    {
        var (source, target) = SourceAndTarget(record, targetSpecialTokens: 2);
        return new TokenizedExample(tokenizer.BuildInputsWithSpecialTokens(source), tokenizer.BuildInputsWithSpecialTokens(target));
    }

    // The target leaves room for <eop> in training and for [gMASK] <sop> in evaluation labels, as the toolkit does.
    private (int[] Source, int[] Target) SourceAndTarget(InstructionRecord record, int targetSpecialTokens)
    {
        var source = tokenizer.Encode(Prompt(record));
        var target = tokenizer.Encode(record.Output);
        if (source.Length > options.MaxSourceLength - 2) source = source[..(options.MaxSourceLength - 2)];
        if (target.Length > options.MaxTargetLength - targetSpecialTokens) target = target[..(options.MaxTargetLength - targetSpecialTokens)];
        return (source, target);
    }
}
