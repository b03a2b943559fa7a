namespace ChatGlmLab.Datasets.Ner;

/// <summary>A tag sequence that breaks its scheme's rules, with the index of the offending tag.</summary>
public sealed class IllegalTagSequenceException(int tokenIndex, string message) : Exception(message)
{
    public int TokenIndex { get; } = tokenIndex;
}

/// <summary>
/// Turns per-character tags into spans, rejecting illegal sequences instead of guessing
/// (an I-X without a preceding B-X/I-X, a BIOES/BMES entity left open, a type change inside an entity,
/// a prefix the scheme does not have).
/// </summary>
public static class TagSequenceDecoder
{
    /// <summary>Decodes tags of a string with one UTF-16 unit per character (no surrogate pairs).</summary>
    public static List<NerEntity> Decode(string text, IReadOnlyList<string> tags, TagScheme scheme)
    {
        if (tags.Count != text.Length)
            throw new ArgumentException($"{tags.Count} tags for {text.Length} characters");
        return DecodeSpans(tags, scheme).Select(s => new NerEntity(s.Type, s.Start, s.End, text[s.Start..s.End])).ToList();
    }

    /// <summary>Decodes tags into (type, start token, end token exclusive) spans.</summary>
    public static List<(string Type, int Start, int End)> DecodeSpans(IReadOnlyList<string> tags, TagScheme scheme)
    {
        var entities = new List<(string Type, int Start, int End)>();
        string? openType = null;
        var openStart = 0;

        void Close(int endExclusive)
        {
            entities.Add((openType!, openStart, endExclusive));
            openType = null;
        }

        for (var i = 0; i < tags.Count; i++)
        {
            var (prefix, type) = Split(tags[i], scheme, i);
            var explicitEnd = scheme != TagScheme.Bio;
            var middle = scheme == TagScheme.Bmes ? 'M' : 'I';
            switch (prefix)
            {
                case 'O':
                    if (openType != null)
                    {
                        if (explicitEnd)
                            throw new IllegalTagSequenceException(i, $"entity {openType} begun at character {openStart} is not closed with E-{openType} before O");
                        Close(i);
                    }
                    break;
                case 'B':
                    if (openType != null)
                    {
                        if (explicitEnd)
                            throw new IllegalTagSequenceException(i, $"B-{type} while entity {openType} begun at character {openStart} is still open (expected {middle}-{openType} or E-{openType})");
                        Close(i);
                    }
                    openType = type;
                    openStart = i;
                    break;
                case 'S':
                    if (openType != null)
                        throw new IllegalTagSequenceException(i, $"S-{type} while entity {openType} begun at character {openStart} is still open");
                    entities.Add((type!, i, i + 1));
                    break;
                case 'E':
                    if (openType == null || openType != type)
                        throw new IllegalTagSequenceException(i, openType == null
                            ? $"E-{type} does not end an entity (no B-{type} before it)"
                            : $"E-{type} inside entity {openType} (type changes within an entity)");
                    Close(i + 1);
                    break;
                default: // the scheme's continuation letter: I (BIO, BIOES) or M (BMES)
                    if (openType == null || openType != type)
                        throw new IllegalTagSequenceException(i, openType == null
                            ? $"{prefix}-{type} does not continue an entity (no B-{type} before it)"
                            : $"{prefix}-{type} inside entity {openType} (type changes within an entity)");
                    break;
            }
        }
        if (openType != null)
        {
            if (scheme != TagScheme.Bio)
                throw new IllegalTagSequenceException(tags.Count - 1, $"entity {openType} begun at character {openStart} is not closed with E-{openType} at the end of the sentence");
            Close(tags.Count);
        }
        return entities;
    }

    private static (char Prefix, string? Type) Split(string tag, TagScheme scheme, int index)
    {
        if (tag == "O")
            return ('O', null);
        if (tag.Length < 3 || tag[1] != '-')
            throw new IllegalTagSequenceException(index, $"tag '{tag}' is neither O nor <prefix>-<type>");
        var prefix = tag[0];
        var allowed = scheme switch
        {
            TagScheme.Bio => "BI",
            TagScheme.Bioes => "BIES",
            _ => "BMES",
        };
        if (!allowed.Contains(prefix))
            throw new IllegalTagSequenceException(index, $"tag '{tag}': prefix '{prefix}' is not part of the {scheme.ToString().ToUpperInvariant()} scheme (allowed: {string.Join(", ", allowed.Select(c => c + "-"))}, O)");
        return (prefix, tag[2..]);
    }
}
