namespace ChatGlmLab.Generation.Constraints;

/// <summary>
/// Answers of the form item$item$…: each item accepted by <paramref name="rule"/>, items joined by
/// <paramref name="separator"/>, the stop token allowed only after a complete item. Tokens may span the
/// separator; a token is allowed when every character it adds keeps the answer valid. This is grounded
/// decoding for the NER questions: entity types come from the label set, mentions are substrings of the sentence.
/// <paramref name="allowEmpty"/>: the empty answer is valid too (the seed's answer for a sentence without entities).
/// </summary>
public sealed class DelimitedListConstraint(TokenTexts texts, IItemRule rule, char separator = '$', bool allowEmpty = false) : ITokenConstraint
{
    public void AddAllowed(IReadOnlyList<int> generated, List<int> allowed)
    {
        if (generated.Contains(texts.EosId)) { allowed.Add(texts.EosId); return; }
        string answer = texts.Decode(generated);
        bool atStart = generated.All(id => string.IsNullOrEmpty(texts.Text(id)));   // nothing decoded yet
        string item = answer[(answer.LastIndexOf(separator) + 1)..];
        bool complete = rule.IsComplete(item);

        var firsts = rule.NextCharacters(item).ToList();
        if (complete) firsts.Add(separator);
        foreach (char first in firsts)
        {
            foreach (int id in texts.StartingWith(first))
                if (Accepts(item, texts.Text(id)!)) allowed.Add(id);
            if (atStart)
                foreach (int id in texts.SpaceThen(first))
                    if (Accepts(item, texts.Text(id)![1..])) allowed.Add(id);
        }
        if (atStart && texts.SpaceId >= 0) allowed.Add(texts.SpaceId);   // the lone "▁" an answer often starts with
        if (complete || (allowEmpty && answer.Length == 0) || allowed.Count == 0) allowed.Add(texts.EosId);
    }

    private bool Accepts(string item, string added)
    {
        foreach (char c in added)
        {
            if (c == separator)
            {
                if (!rule.IsComplete(item)) return false;
                item = "";
            }
            else
            {
                item += c;
                if (!rule.IsPrefix(item)) return false;
            }
        }
        return true;
    }
}
