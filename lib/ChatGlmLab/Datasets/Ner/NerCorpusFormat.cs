namespace ChatGlmLab.Datasets.Ner;

/// <summary>The NER file formats the kit reads, by the names the CLI and the experiments' options use.</summary>
public static class NerCorpusFormat
{
    public const string NerJson = "ner_json";
    public const string Cluener = "cluener";
    public static readonly string[] Names = [NerJson, Cluener, "bio", "bioes", "bmes"];

    /// <summary>Reads <paramref name="path"/> in the named format; an unknown name is an <see cref="ArgumentException"/> naming the valid ones.</summary>
    public static LoadResult<NerExample> Read(string path, string format, bool lenient = false) => format switch
    {
        NerJson => Ner.NerJson.Read(path, lenient),
        Cluener => CluenerReader.Read(path, lenient),
        "bio" => ConllReader.Read(path, TagScheme.Bio, lenient),
        "bioes" => ConllReader.Read(path, TagScheme.Bioes, lenient),
        "bmes" => ConllReader.Read(path, TagScheme.Bmes, lenient),
        _ => throw new ArgumentException($"NER format '{format}' is not one of {string.Join(", ", Names)}"),
    };
}
