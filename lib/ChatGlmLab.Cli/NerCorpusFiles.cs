using System.Text.Json;
using ChatGlmLab.Datasets;
using ChatGlmLab.Datasets.Ner;

namespace ChatGlmLab.Cli;

/// <summary>Reads a NER corpus in any format the kit supports, by name or recognised from the file.</summary>
public static class NerCorpusFiles
{
    public static readonly string[] Formats = ["ner_json", "cluener", "bio", "bioes", "bmes"];

    public static LoadResult<NerExample> Read(string path, string? format, bool lenient, string argument = "--input")
    {
        InputFile.Require(path, argument, "NER corpus file");
        string resolved = format ?? Detect(path);
        return resolved switch
        {
            "ner_json" => NerJson.Read(path, lenient),
            "cluener" => CluenerReader.Read(path, lenient),
            "bio" => ConllReader.Read(path, TagScheme.Bio, lenient),
            "bioes" => ConllReader.Read(path, TagScheme.Bioes, lenient),
            "bmes" => ConllReader.Read(path, TagScheme.Bmes, lenient),
            _ => throw new CliUsageException($"--input_format '{resolved}' is not one of {string.Join(", ", Formats)}"),
        };
    }

    /// <summary>JSON lines with "entities" = the kit's NER JSON, with "label" = CLUENER; anything else needs --input_format (the CoNLL tag scheme).</summary>
    public static string Detect(string path)
    {
        string? first = File.ReadLines(path).FirstOrDefault(l => !string.IsNullOrWhiteSpace(l));
        if (first == null)
            throw new CliUsageException($"{path} is empty (no non-blank line): there is no corpus to read; give the file that holds the sentences");
        if (first.TrimStart().StartsWith('{'))
        {
            try
            {
                using var doc = JsonDocument.Parse(first);
                if (doc.RootElement.TryGetProperty("entities", out _)) return "ner_json";
                if (doc.RootElement.TryGetProperty("label", out _) || doc.RootElement.TryGetProperty("text", out _)) return "cluener";
            }
            catch (JsonException) { }
        }
        throw new CliUsageException($"cannot tell the format of {path}; give --input_format ({string.Join(", ", Formats)})");
    }
}
