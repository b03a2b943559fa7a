using ChatGlmLab.Datasets;
using System.Text.RegularExpressions;

namespace ChatGlmLab.Tasks.Ner;

/// <summary>
/// Recognises which NER question a plain instruction record asks (the inverse of the builders'
/// templates), so answers to records read back from a file — e.g. dev.3turn.jsonl next to a
/// generated_predictions.jsonl — can be parsed without the builder's metadata.
/// </summary>
public sealed class NerRecordClassifier
{
    public NerRecordClassifier(NerInstructionOptions? options = null, SinglePassOptions? singlePass = null)
    {
        var builder = new NerInstructionBuilder(options);
        _typeInstruction = builder.TypeInstruction();
        _singlePassInstruction = new SinglePassBuilder(singlePass).Instruction;
        _mention = TemplatePattern(builder.Fill(builder.Options.MentionQuestionTemplate), "type");
        _position = TemplatePattern(builder.Fill(builder.Options.PositionQuestionTemplate), "mention");
    }

    private readonly string _typeInstruction;
    private readonly string _singlePassInstruction;
    private readonly Regex _mention;
    private readonly Regex _position;

    /// <summary>The turn and the type / mention the question names; null when the record is not an NER question of these options.</summary>
    public (NerTurnKind Turn, string? Type, string? Mention)? Classify(InstructionRecord record)
    {
        if (record.Instruction == _typeInstruction)
            return (NerTurnKind.Types, null, null);
        if (record.Instruction == _singlePassInstruction)
            return (NerTurnKind.SinglePass, null, null);
        var m = _mention.Match(record.Instruction);
        if (m.Success)
            return (NerTurnKind.Mentions, m.Groups["type"].Value, null);
        var p = _position.Match(record.Instruction);
        if (p.Success)
        {
            // The type a position question belongs to is the one its turn-2 history entry asked about.
            // (Its question may be followed by "文本为：" + text or the text; the pattern is anchored at the start only.)
            var type = record.History.Count >= 2 ? _mention.Match(record.History[1].Query).Groups["type"].Value : null;
            return (NerTurnKind.Positions, string.IsNullOrEmpty(type) ? null : type, p.Groups["mention"].Value);
        }
        return null;
    }

    private static Regex TemplatePattern(string filled, string slot)
    {
        var escaped = Regex.Escape(filled).Replace(@"\{" + slot + "}", $"(?<{slot}>.+?)", StringComparison.Ordinal);
        return new Regex("^" + escaped, RegexOptions.CultureInvariant);
    }
}
