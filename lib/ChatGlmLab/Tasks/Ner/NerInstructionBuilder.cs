using System.Globalization;
using ChatGlmLab.Datasets;
using ChatGlmLab.Datasets.Ner;

namespace ChatGlmLab.Tasks.Ner;

/// <summary>
/// The source article's 3-turn NER expansion of one sentence:
/// <list type="number">
/// <item>which types occur → the type of every mention in text order joined by "$" (duplicates kept);</item>
/// <item>for each type present (in order of first appearance): its mentions in text order joined by "$";</item>
/// <item>for each distinct mention of that type: "起始位置:s,终止位置:e" per annotated span of that
/// mention and type, in text order, joined by "$" (Python indices, exclusive end).</item>
/// </list>
/// The per-turn methods also serve inference: pass the model's earlier answers to build the next question.
/// </summary>
public sealed class NerInstructionBuilder
{
    public NerInstructionBuilder(NerInstructionOptions? options = null)
    {
        Options = options ?? NerInstructionOptions.Article;
        _typeInstruction = Fill(Options.TypeQuestionTemplate, ("labels", Options.FormatLabels()));
        _labels = new HashSet<string>(Options.Labels, StringComparer.Ordinal);
    }

    public NerInstructionOptions Options { get; }

    private readonly string _typeInstruction;
    private readonly HashSet<string> _labels;

    // ---- questions ----

    public string TypeInstruction() => _typeInstruction;

    public string MentionInstruction(string type) => Fill(Options.MentionQuestionTemplate, ("type", type));

    public string PositionInstruction(string mention) => Fill(Options.PositionQuestionTemplate, ("mention", mention));

    // ---- gold answers ----

    public string TypeAnswer(NerExample example)
    {
        var ordered = example.EntitiesInTextOrder();
        return ordered.Count == 0 ? Options.NoEntityAnswer : string.Join(Options.Separator, ordered.Select(e => e.Type));
    }

    public string MentionAnswer(NerExample example, string type) =>
        string.Join(Options.Separator, example.EntitiesInTextOrder().Where(e => e.Type == type).Select(e => e.Mention));

    public string PositionAnswer(NerExample example, string type, string mention) =>
        string.Join(Options.Separator, example.EntitiesInTextOrder()
            .Where(e => e.Type == type && e.Mention == mention)
            .Select(e => FormatSpan(example.Text, e)));

    public string FormatSpan(string text, NerEntity e)
    {
        var bmp = CodePointOffsets.IsBmpOnly(text);
        var start = bmp ? e.Start : CodePointOffsets.ToCodePoints(text, e.Start);
        var end = bmp ? e.End : CodePointOffsets.ToCodePoints(text, e.End);
        return Fill(Options.PositionAnswerTemplate,
            ("start", start.ToString(CultureInfo.InvariantCulture)), ("end", end.ToString(CultureInfo.InvariantCulture)));
    }

    // ---- one record per turn (answers may be a model's, or "" when asking) ----

    public InstructionRecord TypeTurn(string text, string answer = "") =>
        new(_typeInstruction, text, answer, History(text, []));

    public InstructionRecord MentionTurn(string text, string typeAnswer, string type, string answer = "")
    {
        var instruction = MentionInstruction(type);
        return new(instruction, LaterInput(text), answer, History(text, [(_typeInstruction, text, typeAnswer)]));
    }

    public InstructionRecord PositionTurn(string text, string typeAnswer, string type, string mentionAnswer, string mention, string answer = "")
    {
        var instruction = PositionInstruction(mention);
        return new(instruction, LaterInput(text), answer,
            History(text, [(_typeInstruction, text, typeAnswer), (MentionInstruction(type), LaterInput(text), mentionAnswer)]));
    }

    // ---- whole sentences ----

    /// <summary>All records of one sentence in the article's order: turn 1, then per type its turn 2 followed by its turn-3 records.</summary>
    public IReadOnlyList<NerInstructionRecord> Build(NerExample example, int sentenceIndex = 0)
    {
        Check(example, sentenceIndex);
        var ordered = example.EntitiesInTextOrder();
        var records = new List<NerInstructionRecord>(1 + 2 * ordered.Count);
        var typeAnswer = TypeAnswer(example);
        records.Add(new(TypeTurn(example.Text, typeAnswer), NerTurnKind.Types, sentenceIndex));
        foreach (var type in ordered.Select(e => e.Type).Distinct())
        {
            var ofType = ordered.Where(e => e.Type == type).ToList();
            var mentionAnswer = string.Join(Options.Separator, ofType.Select(e => e.Mention));
            records.Add(new(MentionTurn(example.Text, typeAnswer, type, mentionAnswer), NerTurnKind.Mentions, sentenceIndex, type));
            foreach (var mention in ofType.Select(e => e.Mention).Distinct())
            {
                var positions = string.Join(Options.Separator, ofType.Where(e => e.Mention == mention).Select(e => FormatSpan(example.Text, e)));
                records.Add(new(PositionTurn(example.Text, typeAnswer, type, mentionAnswer, mention, positions),
                    NerTurnKind.Positions, sentenceIndex, type, mention));
            }
        }
        return records;
    }

    public IEnumerable<NerInstructionRecord> BuildAll(IEnumerable<NerExample> examples) =>
        examples.SelectMany((e, i) => Build(e, i));

    // ---- layout ----

    private string LaterInput(string text) => Options.TextInEveryTurn ? text : "";

    /// <summary>
    /// Earlier turns as (instruction, input as asked, answer) → the history pairs of the chosen style.
    /// Article style always writes instruction + "文本为：" + text, whatever the earlier record's input was
    /// (that is what the article's files hold); clean style writes the earlier query as asked.
    /// </summary>
    private IReadOnlyList<(string, string)> History(string text, (string Instruction, string Input, string Answer)[] earlier)
    {
        var pairs = new List<(string, string)>(Math.Max(earlier.Length, Options.ArticleHistoryLength));
        foreach (var (instruction, input, answer) in earlier)
        {
            pairs.Add(Options.History == HistoryStyle.Article
                ? (instruction + Options.HistoryTextMarker + text, answer)
                : (instruction + input, answer));
        }
        if (Options.History == HistoryStyle.Article)
            while (pairs.Count < Options.ArticleHistoryLength)
                pairs.Add(("", ""));
        return pairs;
    }

    // The messages count sentences from 1, as a reader of the file does (sentenceIndex counts from 0).
    private void Check(NerExample example, int sentenceIndex)
    {
        foreach (var e in example.Entities)
        {
            if (!_labels.Contains(e.Type))
                throw new ArgumentException($"sentence {sentenceIndex + 1}: type '{e.Type}' is not among the labels the question offers ({Options.FormatLabels()})");
            if (e.Mention.Contains(Options.Separator, StringComparison.Ordinal))
                throw new ArgumentException($"sentence {sentenceIndex + 1}: mention '{e.Mention}' contains the answer separator '{Options.Separator}', so its answers could not be parsed back");
        }
    }

    internal string Fill(string template, params (string Key, string Value)[] values)
    {
        var s = template.Replace("{sep}", Options.Separator, StringComparison.Ordinal);
        foreach (var (key, value) in values)
            s = s.Replace("{" + key + "}", value, StringComparison.Ordinal);
        return s;
    }
}
