using System.Text.Json;
using ChatGlmLab.Datasets;
using ChatGlmLab.Datasets.Ner;

namespace ChatGlmLab.Cli;

/// <summary>Reads a NER corpus in any format the kit supports, by name or recognised from the file.</summary>
public static class NerCorpusFiles
{
    public static readonly string[] Formats = NerCorpusFormat.Names;

    public static LoadResult<NerExample> Read(string path, string? format, bool lenient, string argument = "--input")
    {
        InputFile.Require(path, argument, "NER corpus file");
        string resolved = format ?? Detect(path);
        if (!Formats.Contains(resolved)) throw new CliUsageException($"--input_format '{resolved}' is not one of {string.Join(", ", Formats)}");
        return NerCorpusFormat.Read(path, resolved, lenient);
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
                if (doc.RootElement.TryGetProperty("entities", out _)) return NerCorpusFormat.NerJson;
                if (doc.RootElement.TryGetProperty("label", out _) || doc.RootElement.TryGetProperty("text", out _)) return NerCorpusFormat.Cluener;
            }
            catch (JsonException) { }
        }
        throw new CliUsageException($"cannot tell the format of {path}; give --input_format ({string.Join(", ", Formats)})");
    }
}
