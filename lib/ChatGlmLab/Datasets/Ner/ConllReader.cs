using System.Text;

namespace ChatGlmLab.Datasets.Ner;

/// <summary>
/// Reads character-per-line tagged corpora (CoNLL style): each line is one character and its tag
/// separated by spaces or tabs, a blank line ends a sentence. Only ASCII space and tab separate the
/// two fields, so an ideographic space (U+3000) can itself be a token. The character must be exactly
/// one Unicode character (a surrogate pair counts as one).
/// In lenient mode a sentence with any bad line is skipped whole and reported at its first bad line.
/// </summary>
public static class ConllReader
{
    public static LoadResult<NerExample> Read(string path, TagScheme scheme, bool lenient = false)
    {
        var report = new LoadReport(path);
        var examples = new List<NerExample>();
        var tokens = new List<string>();
        var tags = new List<string>();
        var lines = new List<int>();
        int? badLine = null;
        string? badReason = null;
        var schemeName = scheme.ToString().ToUpperInvariant();

        void Flush()
        {
            if (tokens.Count > 0 || badLine != null)
            {
                if (badLine != null)
                    RecordErrorPolicy.Handle(report, lenient, badLine.Value, badReason!);
                else
                    AddSentence();
            }
            tokens.Clear();
            tags.Clear();
            lines.Clear();
            badLine = null;
            badReason = null;
        }

        void AddSentence()
        {
            List<(string Type, int Start, int End)> spans;
            try { spans = TagSequenceDecoder.DecodeSpans(tags, scheme); }
            catch (IllegalTagSequenceException ex)
            {
                RecordErrorPolicy.Handle(report, lenient, lines[ex.TokenIndex], $"illegal {schemeName} tag sequence: {ex.Message}");
                return;
            }
            // Token index → UTF-16 offset (tokens are one or two UTF-16 units).
            var offsets = new int[tokens.Count + 1];
            for (var i = 0; i < tokens.Count; i++)
                offsets[i + 1] = offsets[i] + tokens[i].Length;
            var text = string.Concat(tokens);
            var entities = spans
                .Select(s => new NerEntity(s.Type, offsets[s.Start], offsets[s.End], text[offsets[s.Start]..offsets[s.End]]))
                .ToList();
            examples.Add(new NerExample(text, entities));
            report.Kept();
        }

        foreach (var (lineNo, line, unreadable) in TextLines.Read(path))
        {
            if (unreadable != null && badLine == null)
            {
                // The whole sentence is rejected, as for any bad line in it.
                badLine = lineNo;
                badReason = unreadable;
                if (!lenient) RecordErrorPolicy.Handle(report, lenient, lineNo, badReason);
                continue;
            }
            if (unreadable != null) continue;
            if (line.Trim(' ', '\t').Length == 0)
            {
                Flush();
                continue;
            }
            if (badLine != null)
                continue; // the rest of an already rejected sentence
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 2 || !IsOneCharacter(fields[0]))
            {
                badLine = lineNo;
                badReason = $"expected one character and one tag separated by whitespace, found '{line}'";
                if (!lenient)
                    RecordErrorPolicy.Handle(report, lenient, lineNo, badReason);
                continue;
            }
            tokens.Add(fields[0]);
            tags.Add(fields[1]);
            lines.Add(lineNo);
        }
        Flush();
        return new LoadResult<NerExample>(examples, report);
    }

    private static bool IsOneCharacter(string s) =>
        s.Length == 1 ? !char.IsSurrogate(s[0]) : s.Length == 2 && char.IsSurrogatePair(s[0], s[1]);
}
