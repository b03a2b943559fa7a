using ChatGlmLab.Datasets;

namespace ChatGlmLab.Experiments;

/// <summary>
/// What the small CPU base model is pretrained on, so that it plays the part ChatGLM-6B plays in the
/// seed (a model that already follows simple instructions about a text) without ever seeing the NER
/// task: the GLM objective (continue a sentence cut at a random point) plus generic text skills asked in
/// ChatGLM's prompt layout — repeat a sentence or a short scrambled string, give the characters that follow
/// a cue, and locate a substring (answered as "s-e", not in the NER answer format). Seeded and deterministic.
/// Fine-tuning then has to teach the NER questions, their label set and answer formats.
/// </summary>
/// <remarks>
/// Copying is what the NER answers need most (a mention is a piece of the sentence), and a small model
/// learns it from short spans first: scrambled strings of 2–12 characters and cues followed by 1–5
/// characters. Long strings alone (20 characters) it did not learn to copy in 2,000 steps, only to
/// memorise. There is no "characters i to j" task any more: finding characters by their index means
/// counting, which the small model did not learn (0 of 80 such answers right), and it took a seventh of the records.
/// </remarks>
public static class PretrainingTasks
{
    public const string RepeatInstruction = "请复述下面的句子：";
    public const string LocateInstruction = "请找出'{0}'在下面句子中的位置：";
    public const string AfterCueInstruction = "请写出下面句子中'{0}'后面的{1}个字：";

    /// <summary>The instruction wording, for building the tokenizer.</summary>
    public static IEnumerable<string> Wording() => [RepeatInstruction, LocateInstruction, AfterCueInstruction, "后面的", "个字"];

    /// <param name="sentences">The corpus sentences (each gives one record per task).</param>
    /// <param name="glossary">Further plain texts used only for the GLM objective (e.g. the wording of the
    /// questions and the label names, so their tokens are not untrained in the base model; no answers).</param>
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
        }
        return records;
    }
}
