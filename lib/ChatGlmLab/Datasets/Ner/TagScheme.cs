namespace ChatGlmLab.Datasets.Ner;

/// <summary>
/// Character-tagging schemes. Tags are "O" or "P-Type" where P is the scheme's prefix letter and Type
/// is everything after the first '-' (so types may contain dots or hyphens).
/// <list type="bullet">
/// <item>BIO: B begins, I continues (an entity ends at the next B/O or sentence end).</item>
/// <item>BIOES: B begins, I continues, E ends, S is a one-character entity.</item>
/// <item>BMES: as BIOES with M for the middle.</item>
/// </list>
/// </summary>
public enum TagScheme
{
    Bio,
    Bioes,
    Bmes,
}
