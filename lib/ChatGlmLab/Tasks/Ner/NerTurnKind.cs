namespace ChatGlmLab.Tasks.Ner;

/// <summary>Which question an NER instruction record asks.</summary>
public enum NerTurnKind
{
    /// <summary>Turn 1: which entity types occur.</summary>
    Types,

    /// <summary>Turn 2: the mentions of one type.</summary>
    Mentions,

    /// <summary>Turn 3: the positions of one mention.</summary>
    Positions,

    /// <summary>One question for all entities.</summary>
    SinglePass,
}
