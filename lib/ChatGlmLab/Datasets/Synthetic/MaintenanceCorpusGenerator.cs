using System.Security.Cryptography;
using System.Text;
using ChatGlmLab.Datasets.Ner;

namespace ChatGlmLab.Datasets.Synthetic;

/// <summary>
/// Generates the bundled synthetic Chinese maintenance-procedure NER corpus with the seed's 18 types
/// (the seed's own 7,400 sentences are private). Deterministic: the same options give the same bytes.
/// Train and dev share templates but dev uses held-out lexicon entries for part of its slots, and no
/// sentence occurs twice.
/// </summary>
public static class MaintenanceCorpusGenerator
{
    public const string Folder = "maintenance";

    public static (IReadOnlyList<NerExample> Train, IReadOnlyList<NerExample> Dev) Generate(MaintenanceCorpusOptions? options = null)
    {
        options ??= new MaintenanceCorpusOptions();
        var random = new DeterministicRandom(options.Seed);
        var filler = new SlotFiller();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var train = Sentences(options.TrainSentences, false);
        var dev = Sentences(options.DevSentences, true);
        return (train, dev);

        List<NerExample> Sentences(int count, bool isDev)
        {
            var list = new List<NerExample>(count);
            while (list.Count < count)
            {
                var example = Sentence(random, filler, isDev, options);
                if (seen.Add(example.Text))
                    list.Add(example);
            }
            return list;
        }
    }

    /// <summary>
    /// Unlabelled sentences for pretraining a small base model: the same templates over the whole lexicon
    /// (held-out entries drawn as often as dev draws them), none equal to a train or dev sentence. They stand in
    /// for the pretraining corpus of a real base model, which knows the domain's words although the labelled
    /// train split never uses some of them. A separate random stream, so train and dev are unchanged.
    /// </summary>
    public static IReadOnlyList<string> PretrainingText(int count, MaintenanceCorpusOptions? options = null)
    {
        options ??= new MaintenanceCorpusOptions();
        var (train, dev) = Generate(options);
        var seen = new HashSet<string>(train.Concat(dev).Select(e => e.Text), StringComparer.Ordinal);
        var random = new DeterministicRandom(options.Seed ^ PretrainingStream);
        var filler = new SlotFiller();
        var text = new List<string>(count);
        while (text.Count < count)
        {
            var example = Sentence(random, filler, isDev: true, options);
            if (seen.Add(example.Text))
                text.Add(example.Text);
        }
        return text;
    }

    private const ulong PretrainingStream = 0x707265747261696EUL;   // "pretrain"

    private static NerExample Sentence(DeterministicRandom random, SlotFiller filler, bool isDev, MaintenanceCorpusOptions options)
    {
        while (true)
        {
            var roll = random.Next(100);
            var clauseCount = roll < 35 ? 1 : roll < 80 ? 2 : 3;
            var templates = new List<SentenceTemplate>();
            while (templates.Count < clauseCount)
            {
                var t = random.Pick(MaintenanceTemplates.Clauses);
                // "并…" continues a clause; it cannot open a sentence.
                if (templates.Contains(t) || (templates.Count == 0 && t.Pattern.StartsWith('并')))
                    continue;
                templates.Add(t);
            }
            var text = new StringBuilder();
            var entities = new List<NerEntity>();
            for (var k = 0; k < templates.Count; k++)
            {
                if (k > 0)
                    text.Append(random.Chance(0.2) ? "；" : "，");
                var inClause = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var segment in templates[k].Segments)
                {
                    if (segment is SentenceTemplate.Literal literal)
                    {
                        text.Append(literal.Text);
                        continue;
                    }
                    var slot = (SentenceTemplate.Slot)segment;
                    var word = PickDistinct(random, filler, slot, isDev, options.DevHeldOutShare, inClause);
                    inClause[slot.Type] = word;
                    entities.Add(new NerEntity(slot.Type, text.Length, text.Length + word.Length, word));
                    text.Append(word);
                }
            }
            text.Append('。');
            if (text.Length >= options.MinLength && text.Length <= options.MaxLength)
                return new NerExample(text.ToString(), entities);
        }
    }

    /// <summary>A word for the slot that differs from the clause's other words (so 操作部件1 ≠ 操作部件2).</summary>
    private static string PickDistinct(DeterministicRandom random, SlotFiller filler, SentenceTemplate.Slot slot, bool isDev, double heldOutShare, Dictionary<string, string> inClause)
    {
        var word = filler.Fill(random, slot.Type, slot.List, isDev, heldOutShare);
        for (var attempt = 0; attempt < 10 && inClause.ContainsValue(word); attempt++)
            word = filler.Fill(random, slot.Type, slot.List, isDev, heldOutShare);
        return word;
    }

    public static string Sha1Hex(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA1.HashData(stream));
    }
}
