using ChatGlmLab.Datasets.Ner;

namespace ChatGlmLab.Tasks.Ner;

/// <summary>Wording of the single-pass NER instruction. {labels} and {sep} are filled in.</summary>
public sealed record SinglePassOptions
{
    public SinglePassFormat Format { get; init; } = SinglePassFormat.Json;

    public IReadOnlyList<string> Labels { get; init; } = ArticleNerLabels.All;

    public string JsonInstructionTemplate { get; init; } =
        "你现在是一个命名实体识别模型，请你找出文本中所有的实体，类别包括{labels}，按JSON格式输出：{\"类别\":[\"名词\",...]}，没有实体时输出{}。";

    public string TypeMentionInstructionTemplate { get; init; } =
        "你现在是一个命名实体识别模型，请你找出文本中所有的实体，类别包括{labels}，按文本顺序输出“类别:名词”，实体之间用'{sep}'分割，没有实体时输出“无”。";

    public string Separator { get; init; } = "$";

    /// <summary>Between type and mention in the TypeMention format.</summary>
    public string TypeMentionJoiner { get; init; } = ":";

    /// <summary>TypeMention answer for a sentence without entities.</summary>
    public string NoEntityAnswer { get; init; } = "无";

    public string LabelQuote { get; init; } = "'";
    public string LabelJoiner { get; init; } = ",";

    public string FormatLabels() => string.Join(LabelJoiner, Labels.Select(l => LabelQuote + l + LabelQuote));
}
