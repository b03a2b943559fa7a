using ChatGlmLab.Datasets.Ner;
using static TorchSharp.torch;

namespace ChatGlmLab.Taggers;

/// <summary>
/// A BiLSTM-CRF tagger with what it reads and writes: its <see cref="CharacterVocabulary"/> (from the train sentences),
/// its <see cref="BioTagSet"/> (from the entity types) and the model. Made untrained by <see cref="Create"/>, trained by
/// <see cref="TaggerTraining"/>; <see cref="Predict"/> turns sentences into entities. Runs on the CPU.
/// </summary>
public sealed class CharacterTagger : IDisposable
{
    public required CharacterVocabulary Vocabulary { get; init; }
    public required BioTagSet Tags { get; init; }
    public required BiLstmCrfTagger Model { get; init; }
    public required TaggerOptions Options { get; init; }

    /// <summary>An untrained tagger for the characters of <paramref name="train"/> and the given entity types (initial weights from <paramref name="seed"/>).</summary>
    public static CharacterTagger Create(IReadOnlyList<NerExample> train, IEnumerable<string> types, TaggerOptions options, int seed)
    {
        var vocabulary = new CharacterVocabulary(train.Select(e => e.Text));
        var tags = new BioTagSet(types);
        manual_seed(seed);
        return new CharacterTagger { Vocabulary = vocabulary, Tags = tags, Model = new BiLstmCrfTagger(vocabulary.Count, tags, options), Options = options };
    }

    /// <summary>Parameters of the model (all are trained).</summary>
    public long ParameterCount => Model.parameters().Sum(p => p.numel());

    /// <summary>The entities of each sentence (an empty sentence has none).</summary>
    public IReadOnlyList<IReadOnlyList<NerEntity>> Predict(IReadOnlyList<string> texts, int batchSize = 64)
    {
        Model.eval();
        using var thread = OneThread.Scope();
        var result = texts.Select(_ => (IReadOnlyList<NerEntity>)[]).ToList();
        var nonEmpty = Enumerable.Range(0, texts.Count).Where(i => texts[i].Length > 0).ToList();
        foreach (var chunk in nonEmpty.Chunk(batchSize))
        {
            using var scope = NewDisposeScope();
            var batch = TaggerBatch.Of(chunk.Select(i => Vocabulary.Encode(texts[i])).ToList());
            var paths = Model.Predict(batch.Ids, batch.Lengths, batch.Mask);
            for (int k = 0; k < chunk.Length; k++) result[chunk[k]] = Tags.Decode(texts[chunk[k]], paths[k]);
        }
        return result;
    }

    public void Dispose() => Model.Dispose();
}
