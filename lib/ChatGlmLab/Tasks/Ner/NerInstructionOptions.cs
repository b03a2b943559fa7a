using ChatGlmLab.Datasets.Ner;

namespace ChatGlmLab.Tasks.Ner;

/// <summary>
/// Wording and layout of the source article's 3-turn NER instructions. Defaults reproduce the article's records
/// character for character. Templates use {labels}, {type}, {mention}, {sep}, {start}, {end}.
/// </summary>
public sealed record NerInstructionOptions
{
    /// <summary>The types offered in the turn-1 question, in this order.</summary>
    public IReadOnlyList<string> Labels { get; init; } = ArticleNerLabels.All;

    /// <summary>Turn 1: which types occur. {labels} = each label in quotes, joined by commas.</summary>
    public string TypeQuestionTemplate { get; init; } =
        "你现在是一个命名实体识别模型，请你帮我判断一下文本存在那些类别，这些类别包括{labels},类别之间用'{sep}'分割。";

    /// <summary>Turn 2: which mentions a type has.</summary>
    public string MentionQuestionTemplate { get; init; } =
        "你现在是一个命名实体识别模型，请你帮我判断一下句子中，名词类别为'{type}'有哪些名词？,用'{sep}'分割";

    /// <summary>Turn 3: where a mention is.</summary>
    public string PositionQuestionTemplate { get; init; } =
        "你现在是一个命名实体识别模型，请你帮我判断一下句子中，名词为'{mention}',起始位置和终止位置分别是什么？,用'{sep}'分割";

    /// <summary>One span in a turn-3 answer; positions are Python (code point) indices, end exclusive.</summary>
    public string PositionAnswerTemplate { get; init; } = "起始位置:{start},终止位置:{end}";

    /// <summary>Joins types, mentions and spans in answers.</summary>
    public string Separator { get; init; } = "$";

    /// <summary>How each label is quoted and joined inside {labels}.</summary>
    public string LabelQuote { get; init; } = "'";
    public string LabelJoiner { get; init; } = ",";

    /// <summary>Article history: inserted between an earlier instruction and the text.</summary>
    public string HistoryTextMarker { get; init; } = "文本为：";

    public HistoryStyle History { get; init; } = HistoryStyle.Article;

    /// <summary>Article history is padded with ("", "") up to this many pairs.</summary>
    public int ArticleHistoryLength { get; init; } = 2;

    /// <summary>
    /// Turns 2 and 3 repeat the sentence as their input (the article does). Off: only turn 1 carries the
    /// text and later turns rely on the history, as in a live chat.
    /// </summary>
    public bool TextInEveryTurn { get; init; } = true;

    /// <summary>Turn-1 answer for a sentence without entities (the article's is the empty join).</summary>
    public string NoEntityAnswer { get; init; } = "";

    /// <summary>The source article's records, character for character (the defaults).</summary>
    public static readonly NerInstructionOptions Article = new();

    /// <summary>The layout of a live chat: clean history, text only in turn 1 (the tokenizer fixtures' chat_prompts).</summary>
    public static readonly NerInstructionOptions Chat = new() { History = HistoryStyle.Clean, TextInEveryTurn = false };

    public string FormatLabels() =>
        string.Join(LabelJoiner, Labels.Select(l => LabelQuote + l + LabelQuote));
}
