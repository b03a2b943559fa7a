namespace ChatGlmLab.Tasks.Ner;

/// <summary>The parsed answers of one sentence's records.</summary>
public sealed record NerSentenceParse(string Text, NerParseResult Result);
