using System.Text.Json;

namespace ChatGlmLab.Datasets;

/// <summary>
/// Writes instruction records as JSON Lines in the toolkit's field names
/// (<c>{"instruction","input","output","history"}</c>), compact, UTF-8 without BOM, LF — the same
/// bytes every time for the same records.
/// </summary>
public static class InstructionFileWriter
{
    public static void Write(string path, IEnumerable<InstructionRecord> records)
    {
        using var stream = File.Create(path);
        Write(stream, records);
    }

    public static void Write(Stream stream, IEnumerable<InstructionRecord> records)
    {
        foreach (var r in records)
        {
            using (var writer = new Utf8JsonWriter(stream, JsonText.CompactWriter))
            {
                writer.WriteStartObject();
                writer.WriteString("instruction", r.Instruction);
                writer.WriteString("input", r.Input);
                writer.WriteString("output", r.Output);
                writer.WriteStartArray("history");
                foreach (var (q, a) in r.History)
                {
                    writer.WriteStartArray();
                    writer.WriteStringValue(q);
                    writer.WriteStringValue(a);
                    writer.WriteEndArray();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            stream.WriteByte((byte)'\n');
        }
    }
}
