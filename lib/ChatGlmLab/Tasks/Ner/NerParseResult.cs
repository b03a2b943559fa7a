using ChatGlmLab.Datasets.Ner;

namespace ChatGlmLab.Tasks.Ner;

/// <summary>
/// Spans recovered from answers, plus why some answers gave nothing. Every entity's
/// (Type, Start, End) is what span metrics score; Mention is the text actually at that span.
/// </summary>
public sealed record NerParseResult(
    IReadOnlyList<NerEntity> Entities,
    int Answers,
    int UnparsableAnswers,
    int PositionMismatches,
    int PositionsOutsideText,
    int MentionsNotFound,
    int UnknownTypes,
    IReadOnlyList<string> Problems)
{
    public bool Clean => UnparsableAnswers == 0 && PositionMismatches == 0 && PositionsOutsideText == 0 && MentionsNotFound == 0 && UnknownTypes == 0;
}
