namespace ChatGlmLab.Datasets.Ner;

/// <summary>CLUENER2020's 10 entity types (in its README's order of train frequency).</summary>
public static class CluenerLabels
{
    public static readonly IReadOnlyList<string> All =
        ["name", "organization", "position", "company", "address", "game", "government", "scene", "book", "movie"];
}
