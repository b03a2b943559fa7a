namespace ChatGlmLab.Tasks.Ner;

/// <summary>An answer (gold or generated) to one NER question about a sentence.</summary>
public sealed record NerTurnAnswer(NerTurnKind Turn, string Answer, string? Type = null, string? Mention = null)
{
    public static NerTurnAnswer From(NerInstructionRecord question, string answer) =>
        new(question.Turn, answer, question.Type, question.Mention);
}
