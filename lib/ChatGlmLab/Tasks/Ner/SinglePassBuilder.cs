using System.Text;
using System.Text.Json;
using ChatGlmLab.Datasets;
using ChatGlmLab.Datasets.Ner;

namespace ChatGlmLab.Tasks.Ner;

/// <summary>
/// One instruction per sentence whose answer lists every entity (no positions), to compare with the
/// 3-turn expansion for quality and cost. Positions are recovered by <see cref="NerAnswerParser"/>
/// by locating mentions in the text.
/// </summary>
public sealed class SinglePassBuilder
{
    public SinglePassBuilder(SinglePassOptions? options = null)
    {
        Options = options ?? new SinglePassOptions();
        var template = Options.Format == SinglePassFormat.Json ? Options.JsonInstructionTemplate : Options.TypeMentionInstructionTemplate;
        Instruction = template.Replace("{labels}", Options.FormatLabels(), StringComparison.Ordinal)
                              .Replace("{sep}", Options.Separator, StringComparison.Ordinal);
        _labels = new HashSet<string>(Options.Labels, StringComparer.Ordinal);
    }

    public SinglePassOptions Options { get; }

    public string Instruction { get; }

    private readonly HashSet<string> _labels;

    public string Answer(NerExample example)
    {
        var ordered = example.EntitiesInTextOrder();
        foreach (var e in ordered)
            if (!_labels.Contains(e.Type))
                throw new ArgumentException($"type '{e.Type}' is not among the labels the question offers ({Options.FormatLabels()})");
        return Options.Format == SinglePassFormat.Json ? JsonAnswer(ordered) : TypeMentionAnswer(ordered);
    }

    public InstructionRecord Record(NerExample example) =>
        new(Instruction, example.Text, Answer(example), InstructionRecord.NoHistory);

    public IReadOnlyList<NerInstructionRecord> Build(NerExample example, int sentenceIndex = 0) =>
        [new(Record(example), NerTurnKind.SinglePass, sentenceIndex)];

    public IEnumerable<NerInstructionRecord> BuildAll(IEnumerable<NerExample> examples) =>
        examples.SelectMany((e, i) => Build(e, i));

    private static string JsonAnswer(IReadOnlyList<NerEntity> ordered)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, JsonText.CompactWriter))
        {
            writer.WriteStartObject();
            foreach (var group in ordered.GroupBy(e => e.Type)) // GroupBy keeps first-appearance order
            {
                writer.WriteStartArray(group.Key);
                foreach (var e in group)
                    writer.WriteStringValue(e.Mention);
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private string TypeMentionAnswer(IReadOnlyList<NerEntity> ordered)
    {
        if (ordered.Count == 0)
            return Options.NoEntityAnswer;
        foreach (var e in ordered)
            if (e.Mention.Contains(Options.Separator, StringComparison.Ordinal))
                throw new ArgumentException($"mention '{e.Mention}' contains the separator '{Options.Separator}'");
        return string.Join(Options.Separator, ordered.Select(e => e.Type + Options.TypeMentionJoiner + e.Mention));
    }
}
