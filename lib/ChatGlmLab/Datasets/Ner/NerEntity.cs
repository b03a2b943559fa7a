namespace ChatGlmLab.Datasets.Ner;

/// <summary>
/// One typed span. <see cref="Start"/> and <see cref="End"/> are .NET string (UTF-16) indices into the
/// sentence with an EXCLUSIVE end, so <c>text[Start..End] == Mention</c>. Formats that count Unicode
/// code points (CLUENER, the seed's position answers, Python) are converted at the boundary with
/// <see cref="CodePointOffsets"/>; for text without characters outside the BMP the two are equal.
/// </summary>
public sealed record NerEntity(string Type, int Start, int End, string Mention)
{
    public int Length => End - Start;
}
