namespace ChatGlmLab.Datasets.Ner;

/// <summary>Writes examples as character-per-line tagged text ("字\tTAG"), a blank line after each sentence.</summary>
public static class ConllWriter
{
    public static void Write(string path, IEnumerable<NerExample> examples, TagScheme scheme)
    {
        using var writer = new StreamWriter(path, false, JsonText.Utf8NoBom) { NewLine = "\n" };
        foreach (var example in examples)
        {
            if (!CodePointOffsets.IsBmpOnly(example.Text))
                throw new ArgumentException($"'{example.Text}' has characters outside the BMP; one tag per UTF-16 unit would split them");
            if (example.Text.IndexOfAny([' ', '\t', '\n', '\r']) is var ws and >= 0)
                throw new ArgumentException($"'{example.Text}' has a space, tab or line break at {ws}; whitespace-separated character-per-line files cannot hold it");
            var tags = TagSequenceEncoder.Encode(example, scheme);
            for (var i = 0; i < example.Text.Length; i++)
                writer.WriteLine($"{example.Text[i]}\t{tags[i]}");
            writer.WriteLine();
        }
    }
}
