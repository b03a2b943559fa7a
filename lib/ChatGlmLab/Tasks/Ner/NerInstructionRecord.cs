using ChatGlmLab.Datasets;
namespace ChatGlmLab.Tasks.Ner;

/// <summary>
/// An instruction record plus what it asks about, so a model's answer to it can be parsed back into
/// spans: the sentence it came from, the turn, and the type / mention the question names.
/// </summary>
public sealed record NerInstructionRecord(
    InstructionRecord Record,
    NerTurnKind Turn,
    int SentenceIndex,
    string? Type = null,
    string? Mention = null);
