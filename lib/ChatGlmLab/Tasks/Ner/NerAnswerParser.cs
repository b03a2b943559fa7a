using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatGlmLab.Datasets;
using ChatGlmLab.Datasets.Ner;

namespace ChatGlmLab.Tasks.Ner;

/// <summary>
/// Turns answers to the 3-turn and single-pass questions back into typed spans, counting answers that
/// cannot be parsed and positions that do not fit the text. Tolerates what ChatGLM's chat() does to
/// replies: ASCII ':' and ',' next to CJK become '：' and '，', and surrounding whitespace.
/// </summary>
public sealed class NerAnswerParser
{
    public NerAnswerParser(NerInstructionOptions? options = null, SinglePassOptions? singlePass = null)
    {
        Options = options ?? NerInstructionOptions.Article;
        SinglePass = singlePass ?? new SinglePassOptions();
        _labels = new HashSet<string>(Options.Labels, StringComparer.Ordinal);
        _singlePassLabels = SinglePass.Labels.OrderByDescending(l => l.Length).ToList();
        _span = SpanPattern(Options.PositionAnswerTemplate);
    }

    public NerInstructionOptions Options { get; }
    public SinglePassOptions SinglePass { get; }

    private readonly HashSet<string> _labels;
    private readonly List<string> _singlePassLabels;
    private readonly Regex _span;

    // ---- single answers ----

    /// <summary>Turn 1: the listed types (duplicates kept), and those not among the labels.</summary>
    public (IReadOnlyList<string> Types, IReadOnlyList<string> Unknown) ParseTypes(string answer)
    {
        var types = Split(answer);
        if (types.Count == 1 && types[0] == Options.NoEntityAnswer.Trim())
            types = [];
        return (types, types.Where(t => !_labels.Contains(t)).ToList());
    }

    /// <summary>Turn 2: the listed mentions (duplicates kept).</summary>
    public IReadOnlyList<string> ParseMentions(string answer) => Split(answer);

    /// <summary>Turn 3: (start, end) pairs as written (Python indices, exclusive end); null when any part does not parse.</summary>
    public IReadOnlyList<(int Start, int End)>? ParsePositions(string answer)
    {
        var parts = Split(answer);
        if (parts.Count == 0)
            return null;
        var spans = new List<(int, int)>(parts.Count);
        foreach (var part in parts)
        {
            var m = _span.Match(part);
            if (!m.Success ||
                !int.TryParse(m.Groups["start"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ||
                !int.TryParse(m.Groups["end"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var e))
                return null;
            spans.Add((s, e));
        }
        return spans;
    }

    // ---- whole sentences ----

    /// <summary>
    /// Answers to a file of NER records (in the builders' order: each sentence's turn-1 or single-pass
    /// record first) → spans per sentence. Gold answers are the records' outputs; predictions come
    /// from e.g. generated_predictions.jsonl, one per record.
    /// </summary>
    public IReadOnlyList<NerSentenceParse> ParseRecords(IReadOnlyList<InstructionRecord> records, IReadOnlyList<string> answers)
    {
        if (records.Count != answers.Count)
            throw new ArgumentException($"{records.Count} records but {answers.Count} answers");
        var classifier = new NerRecordClassifier(Options, SinglePass);
        var sentences = new List<(string Text, bool Single, List<NerTurnAnswer> Answers)>();
        for (var i = 0; i < records.Count; i++)
        {
            var kind = classifier.Classify(records[i])
                ?? throw new ArgumentException($"record {i} is not an NER question of these options: '{records[i].Instruction}'");
            if (kind.Turn is NerTurnKind.Types or NerTurnKind.SinglePass)
                sentences.Add((records[i].Input, kind.Turn == NerTurnKind.SinglePass, []));
            else if (sentences.Count == 0 || sentences[^1].Single)
                throw new ArgumentException($"record {i} ({kind.Turn}) does not follow a turn-1 record of its sentence");
            if (kind.Turn == NerTurnKind.Positions && kind.Type == null)
                throw new ArgumentException($"record {i}: the type of position question '{records[i].Instruction}' is not in its history");
            sentences[^1].Answers.Add(new NerTurnAnswer(kind.Turn, answers[i], kind.Type, kind.Mention));
        }
        return sentences.Select(s => new NerSentenceParse(s.Text,
            s.Single ? ParseSinglePass(s.Text, s.Answers[0].Answer) : ParseThreeTurn(s.Text, s.Answers))).ToList();
    }

    /// <summary>
    /// Spans of one sentence from its 3-turn answers. Entities come from the position answers (type and
    /// mention from the question they answer); turn-1/2 answers are checked for unparsable or unknown
    /// content only. A span whose text differs from the mention is kept (it is what the model
    /// predicted) and counted; a span outside the text is dropped and counted.
    /// </summary>
    public NerParseResult ParseThreeTurn(string text, IEnumerable<NerTurnAnswer> answers)
    {
        var acc = new Accumulator(text);
        foreach (var a in answers)
        {
            acc.Answers++;
            switch (a.Turn)
            {
                case NerTurnKind.Types:
                    var (_, unknown) = ParseTypes(a.Answer);
                    foreach (var u in unknown)
                        acc.Unknown($"turn 1 names type '{u}', which is not a label");
                    break;
                case NerTurnKind.Mentions:
                    if (a.Type != null && !_labels.Contains(a.Type))
                        acc.Unknown($"turn 2 asks about type '{a.Type}', which is not a label");
                    break;
                case NerTurnKind.Positions:
                    if (a.Type == null || a.Mention == null)
                        throw new ArgumentException("a position answer needs the type and mention its question named");
                    var spans = ParsePositions(a.Answer);
                    if (spans == null)
                    {
                        acc.Unparsable($"position answer for '{a.Mention}' does not parse: '{a.Answer}'");
                        break;
                    }
                    foreach (var (s, e) in spans)
                        acc.AddCodePointSpan(a.Type, s, e, a.Mention);
                    break;
                default:
                    throw new ArgumentException($"{a.Turn} is not a 3-turn answer");
            }
        }
        return acc.Result();
    }

    /// <summary>Spans of one sentence from a single-pass answer; mentions are located in the text in order.</summary>
    public NerParseResult ParseSinglePass(string text, string answer)
    {
        var acc = new Accumulator(text) { Answers = 1 };
        var listed = SinglePass.Format == SinglePassFormat.Json ? ParseJsonList(answer) : ParseTypeMentionList(answer);
        if (listed == null)
        {
            acc.Unparsable($"single-pass answer does not parse: '{answer}'");
            return acc.Result();
        }
        var singleLabels = new HashSet<string>(SinglePass.Labels, StringComparer.Ordinal);
        // Each (type, mention) takes successive occurrences of the mention in the text.
        var cursor = new Dictionary<(string, string), int>();
        foreach (var (type, mention) in listed)
        {
            if (!singleLabels.Contains(type))
                acc.Unknown($"single-pass answer names type '{type}', which is not a label");
            if (mention.Length == 0)
            {
                acc.Unparsable($"empty mention for type '{type}'");
                continue;
            }
            cursor.TryGetValue((type, mention), out var from);
            var at = from <= text.Length ? text.IndexOf(mention, from, StringComparison.Ordinal) : -1;
            if (at < 0)
            {
                acc.NotFound($"mention '{mention}' ({type}) not found in the text");
                continue;
            }
            cursor[(type, mention)] = at + mention.Length;
            acc.Add(new NerEntity(type, at, at + mention.Length, mention));
        }
        return acc.Result();
    }

    private List<(string Type, string Mention)>? ParseJsonList(string answer)
    {
        try
        {
            using var doc = JsonDocument.Parse(answer.Trim());
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return null;
            var list = new List<(string, string)>();
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Value.ValueKind == JsonValueKind.String)
                {
                    list.Add((prop.Name, prop.Value.GetString()!));
                    continue;
                }
                if (prop.Value.ValueKind != JsonValueKind.Array)
                    return null;
                foreach (var item in prop.Value.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                        return null;
                    list.Add((prop.Name, item.GetString()!));
                }
            }
            return list;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private List<(string Type, string Mention)>? ParseTypeMentionList(string answer)
    {
        var trimmed = answer.Trim();
        if (trimmed == SinglePass.NoEntityAnswer.Trim() || trimmed.Length == 0)
            return [];
        var list = new List<(string, string)>();
        foreach (var item in trimmed.Split(SinglePass.Separator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            // Prefer a known label followed by the joiner (a mention may itself contain ':').
            var label = _singlePassLabels.FirstOrDefault(l => item.Length > l.Length && item.StartsWith(l, StringComparison.Ordinal) && IsJoiner(item[l.Length]));
            if (label != null)
            {
                list.Add((label, item[(label.Length + 1)..].Trim()));
                continue;
            }
            var cut = item.IndexOfAny([':', '：']);
            if (cut <= 0)
                return null;
            list.Add((item[..cut].Trim(), item[(cut + 1)..].Trim()));
        }
        return list;
    }

    private bool IsJoiner(char c) => SinglePass.TypeMentionJoiner.Length == 1 && (c == SinglePass.TypeMentionJoiner[0] || (SinglePass.TypeMentionJoiner == ":" && c == '：'));

    private List<string> Split(string answer) =>
        answer.Trim().Split(Options.Separator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();

    /// <summary>Regex of one span answer: literal template with {start}/{end} as numbers, ':'/',' also full width.</summary>
    private static Regex SpanPattern(string template)
    {
        var pattern = Regex.Escape(template)
            .Replace(@"\{start}", @"\s*(?<start>\d+)\s*", StringComparison.Ordinal)
            .Replace(@"\{end}", @"\s*(?<end>\d+)\s*", StringComparison.Ordinal)
            .Replace(":", "[:：]", StringComparison.Ordinal)
            .Replace(",", @"\s*[,，]\s*", StringComparison.Ordinal);
        return new Regex("^" + pattern + "$", RegexOptions.CultureInvariant);
    }

    /// <summary>Collects entities and counts for one sentence.</summary>
    private sealed class Accumulator(string text)
    {
        private readonly List<NerEntity> _entities = new();
        private readonly HashSet<(string, int, int)> _seen = new();
        private readonly List<string> _problems = new();
        private readonly bool _bmp = CodePointOffsets.IsBmpOnly(text);
        private int _unparsable, _mismatch, _outside, _notFound, _unknown;
        public int Answers;

        public void Unparsable(string why) { _unparsable++; _problems.Add(why); }
        public void NotFound(string why) { _notFound++; _problems.Add(why); }
        public void Unknown(string why) { _unknown++; _problems.Add(why); }

        public void AddCodePointSpan(string type, int s, int e, string mention)
        {
            var start = _bmp ? s : CodePointOffsets.ToUtf16(text, s);
            var end = _bmp ? e : CodePointOffsets.ToUtf16(text, e);
            if (start < 0 || end < 0 || start >= end || end > text.Length)
            {
                _outside++;
                _problems.Add($"position {s}..{e} of '{mention}' is outside the text or empty");
                return;
            }
            var actual = text[start..end];
            if (actual != mention)
            {
                _mismatch++;
                _problems.Add($"position {s}..{e} covers '{actual}', not '{mention}'");
            }
            Add(new NerEntity(type, start, end, actual));
        }

        public void Add(NerEntity e)
        {
            // The same span named twice is one prediction.
            if (_seen.Add((e.Type, e.Start, e.End)))
                _entities.Add(e);
        }

        public NerParseResult Result() => new(
            new NerExample(text, _entities).EntitiesInTextOrder(),
            Answers, _unparsable, _mismatch, _outside, _notFound, _unknown, _problems);
    }
}
