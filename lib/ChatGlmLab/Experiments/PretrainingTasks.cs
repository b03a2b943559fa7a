using ChatGlmLab.Datasets;
using ChatGlmLab.Metrics;

namespace ChatGlmLab.Experiments;

/// <summary>
/// What the small CPU base model is pretrained on, so that it plays the part ChatGLM-6B plays in the
/// seed (a model that already follows simple instructions about a text) without ever seeing the NER
/// task: the GLM objective (continue a sentence cut at a random point) plus generic text skills asked in
/// ChatGLM's prompt layout — repeat a sentence or a short scrambled string, give the characters that follow
/// a cue, and locate a substring (answered as "s-e", not in the NER answer format) — and short conversations about
/// one sentence, each round asking about the answer before it. Seeded and deterministic.
/// Fine-tuning then has to teach the NER questions, their label set and answer formats.
/// </summary>
/// <remarks>
/// Copying is what the NER answers need most (a mention is a piece of the sentence), and a small model
/// learns it from short spans first: scrambled strings of 2–12 characters and cues followed by 1–5
/// characters. Long strings alone (20 characters) it did not learn to copy in 2,000 steps, only to
/// memorise. There is no "characters i to j" task any more: finding characters by their index means
/// counting, which the small model did not learn (0 of 80 such answers right), and it took a seventh of the records.
/// <para>
/// The conversations are there because the NER records are conversations: turn 2 asks, after a first round, for the
/// pieces of the sentence that belong to the type quoted in the last question, '$'-joined; turn 3 asks about one of
/// them. Fine-tuned from a base model that had only seen one-round prompts, the models answered turn 2 alike whatever
/// type it named (full fine-tuning learned to read the question only after 600–1,500 steps, the adapters hardly at
/// all). So the base model practises the same shape with a key it can check without any label: list the sentence's
/// words; list those that contain the character quoted in the last question; locate one of them — a chat model's
/// skill ("answer the last question, about the text, using what was said before"), with nothing of the NER task.
/// </para>
/// </remarks>
public static class PretrainingTasks
{
    public const string RepeatInstruction = "请复述下面的句子：";
    public const string LocateInstruction = "请找出'{0}'在下面句子中的位置：";
    public const string AfterCueInstruction = "请写出下面句子中'{0}'后面的{1}个字：";
    public const string WordsInstruction = "请写出下面句子中的词，用'$'分割";
    public const string WordsWithCharacterInstruction = "请写出下面句子中含有'{0}'字的词，用'$'分割";
    /// <summary>How a conversation's earlier rounds carry the sentence (as the seed's 3-turn records do).</summary>
    public const string HistoryTextMarker = "文本为：";
    private const string ListSeparator = "$";

    /// <summary>The instruction wording, for building the tokenizer.</summary>
    public static IEnumerable<string> Wording() =>
        [RepeatInstruction, LocateInstruction, AfterCueInstruction, "后面的", "个字", WordsInstruction, WordsWithCharacterInstruction, HistoryTextMarker];

    /// <param name="sentences">The corpus sentences (each gives one record per task).</param>
    /// <param name="glossary">Further plain texts used only for the GLM objective (e.g. the wording of the
    /// questions and the label names, so their tokens are not untrained in the base model; no answers).</param>
    /// <param name="seed">Seeds every random choice (cut points, scrambles, cues, located pieces, conversations): same seed,
    /// same records.</param>
    /// <param name="curriculum">The tasks' sizes (null = <see cref="PretrainingCurriculum"/>'s defaults).</param>
    public static IReadOnlyList<InstructionRecord> Build(IReadOnlyList<string> sentences, IReadOnlyList<string> glossary, int seed, PretrainingCurriculum? curriculum = null)
    {
        var c = curriculum ?? new PretrainingCurriculum();
        var random = new Random(seed);
        var records = new List<InstructionRecord>(sentences.Count * 7 + glossary.Count);
        foreach (var text in glossary.Where(t => t.Length >= 2))
        {
            int cut = random.Next(1, text.Length);
            records.Add(new InstructionRecord(text[..cut], "", text[cut..], InstructionRecord.NoHistory));
        }
        foreach (var text in sentences.Where(t => t.Length >= 4))
        {
            int cut = random.Next(1, text.Length);
            records.Add(new InstructionRecord(text[..cut], "", text[cut..], InstructionRecord.NoHistory));
            records.Add(new InstructionRecord(RepeatInstruction, text, text, InstructionRecord.NoHistory));

            for (int copy = 0; copy < c.ScrambledCopies; copy++)
            {
                var scrambled = text.ToCharArray();
                random.Shuffle(scrambled);
                string shuffled = new(scrambled, 0, Math.Min(scrambled.Length, random.Next(c.MinScrambledLength, c.MaxScrambledLength + 1)));
                records.Add(new InstructionRecord(RepeatInstruction, shuffled, shuffled, InstructionRecord.NoHistory));
            }

            for (int cueTask = 0; cueTask < c.CueTasks; cueTask++)
            {
                int cueAt = random.Next(0, text.Length - 3);
                string cue = text.Substring(cueAt, 2);
                int count = Math.Min(random.Next(1, c.MaxCueAnswerLength + 1), text.Length - cueAt - 2);
                if (text.IndexOf(cue, StringComparison.Ordinal) == cueAt)         // the first occurrence: the answer is unambiguous
                    records.Add(new InstructionRecord(string.Format(AfterCueInstruction, cue, count), text, text.Substring(cueAt + 2, count), InstructionRecord.NoHistory));
            }

            int s = random.Next(0, text.Length - 1);
            int e = Math.Min(text.Length, s + random.Next(2, c.MaxLocatedLength + 1));
            string piece = text[s..e];
            int first = text.IndexOf(piece, StringComparison.Ordinal);
            records.Add(new InstructionRecord(string.Format(LocateInstruction, piece), text, $"{first}-{first + piece.Length}", InstructionRecord.NoHistory));

            for (int conversation = 0; conversation < c.Conversations; conversation++)
                records.AddRange(Conversation(text, random));
        }
        return records;
    }

    /// <summary>
    /// One conversation about <paramref name="text"/> in three rounds — its words; the words holding a quoted character;
    /// where one of those is — as two records, one ending at each later round (the earlier rounds in the history with their
    /// answers, as the seed's 3-turn records carry turns 1 and 2). None when the sentence has fewer than two words.
    /// </summary>
    private static IEnumerable<InstructionRecord> Conversation(string text, Random random)
    {
        var words = ChineseSegmenter.Shared.Cut(text).Where(w => w.Any(char.IsLetterOrDigit)).ToList();
        var keyWords = words.Where(w => w.Length >= 2).ToList();
        if (words.Count < 2 || keyWords.Count == 0) yield break;
        string keyWord = keyWords[random.Next(keyWords.Count)];
        string key = keyWord[random.Next(keyWord.Length)].ToString();
        var withKey = words.Where(w => w.Contains(key, StringComparison.Ordinal)).ToList();
        string located = withKey[random.Next(withKey.Count)];
        int at = text.IndexOf(located, StringComparison.Ordinal);

        var listRound = (WordsInstruction + HistoryTextMarker + text, string.Join(ListSeparator, words));
        string keyInstruction = string.Format(WordsWithCharacterInstruction, key);
        yield return new InstructionRecord(keyInstruction, text, string.Join(ListSeparator, withKey), [listRound]);
        yield return new InstructionRecord(string.Format(LocateInstruction, located), text, $"{at}-{at + located.Length}",
            [listRound, (keyInstruction + HistoryTextMarker + text, string.Join(ListSeparator, withKey))]);
    }
}
