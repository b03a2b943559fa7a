using ChatGlmLab.Datasets;
using ChatGlmLab.Datasets.Ner;
using ChatGlmLab.Datasets.Synthetic;

namespace ChatGlmLab.Tasks.Ner;

/// <summary>The bundled corpus on disk: the generated NER sentences and the instruction files this task builds from them.</summary>
public static class MaintenanceCorpusFiles
{
    /// <summary>
    /// Writes the corpus into <paramref name="dataDir"/>: maintenance/{train,dev}.ner.jsonl (kit NER JSON),
    /// .3turn.jsonl (the article's 3-turn records), .single.jsonl (single-pass JSON answers), and
    /// dataset_info.json registering them (with SHA-1s) next to the public benchmark datasets.
    /// Returns the paths written, relative to <paramref name="dataDir"/>.
    /// </summary>
    public static IReadOnlyList<string> WriteAll(string dataDir, MaintenanceCorpusOptions? options = null)
    {
        var (train, dev) = MaintenanceCorpusGenerator.Generate(options);
        Directory.CreateDirectory(Path.Combine(dataDir, MaintenanceCorpusGenerator.Folder));
        var written = new List<string>();
        var entries = new List<DatasetEntry>();
        var threeTurn = new NerInstructionBuilder();
        var single = new SinglePassBuilder();
        foreach (var (split, examples) in new[] { ("train", train), ("dev", dev) })
        {
            var ner = $"{MaintenanceCorpusGenerator.Folder}/{split}.ner.jsonl";
            NerJson.Write(Path.Combine(dataDir, ner), examples);
            written.Add(ner);

            var turns = $"{MaintenanceCorpusGenerator.Folder}/{split}.3turn.jsonl";
            InstructionFileWriter.Write(Path.Combine(dataDir, turns), threeTurn.BuildAll(examples).Select(r => r.Record));
            written.Add(turns);
            entries.Add(LocalEntry(dataDir, $"maintenance_3turn_{split}", turns,
                $"synthetic maintenance NER, seed 3-turn records ({split}, {examples.Count} sentences)"));

            var onePass = $"{MaintenanceCorpusGenerator.Folder}/{split}.single.jsonl";
            InstructionFileWriter.Write(Path.Combine(dataDir, onePass), single.BuildAll(examples).Select(r => r.Record));
            written.Add(onePass);
            entries.Add(LocalEntry(dataDir, $"maintenance_single_{split}", onePass,
                $"synthetic maintenance NER, single-pass JSON answers ({split}, {examples.Count} sentences)"));
        }
        DatasetRegistry.Write(Path.Combine(dataDir, DatasetRegistry.FileName), entries.Concat(PublicInstructionDatasets.Entries));
        written.Add(DatasetRegistry.FileName);
        return written;
    }

    private static DatasetEntry LocalEntry(string dataDir, string name, string relativePath, string description) => new(name)
    {
        FileName = relativePath,
        FileSha1 = MaintenanceCorpusGenerator.Sha1Hex(Path.Combine(dataDir, relativePath)),
        Columns = new InstructionColumns("instruction", "input", "output", "history"),
        Description = description,
    };
}
