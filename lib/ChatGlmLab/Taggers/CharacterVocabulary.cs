namespace ChatGlmLab.Taggers;

/// <summary>
/// The tagger's input ids: one id per character (UTF-16 unit) seen in the train sentences, in order of first appearance,
/// after two reserved ids — <see cref="Padding"/> (fills a batch's shorter sentences) and <see cref="Unknown"/> (a
/// character the train sentences never had).
/// </summary>
public sealed class CharacterVocabulary
{
    public const int Padding = 0;
    public const int Unknown = 1;
    private readonly Dictionary<char, int> _ids = new();

    public CharacterVocabulary(IEnumerable<string> sentences)
    {
        foreach (var text in sentences)
            foreach (char c in text)
                _ids.TryAdd(c, _ids.Count + 2);
    }

    /// <summary>Ids in use, the two reserved ones included (the embedding's row count).</summary>
    public int Count => _ids.Count + 2;

    public long[] Encode(string text) => text.Select(c => (long)_ids.GetValueOrDefault(c, Unknown)).ToArray();
}
