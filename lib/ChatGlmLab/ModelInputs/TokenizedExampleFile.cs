using System.Buffers.Binary;
using System.Security.Cryptography;

namespace ChatGlmLab.ModelInputs;

/// <summary>
/// The on-disk form of a list of <see cref="TokenizedExample"/>s: compact, checked, written atomically.
/// <para>Layout (little-endian): magic "CGLMSFT\0", int32 format version, 32-byte cache key, int32 example
/// count, then per example: int32 input length, the input ids (int32 each), int32 label form, and — when the
/// form is -1 — int32 label length and the labels; last, a SHA-256 of every byte before it. A label form
/// k ≥ 0 means "labels = k × -100, then the input ids from k on", which is what every training-layout
/// example is: storing it as one number halves the file (CLUENER train 3-turn: 40 MB instead of 80). The checksum makes a truncated or corrupted file fail to
/// read (<see cref="InvalidDataException"/> with the reason) instead of yielding wrong examples.</para>
/// <para>Writing goes to a temporary file in the same folder, flushed to disk, then renamed over the
/// target, so an interrupted run leaves either the old file or the complete new one.</para>
/// </summary>
public static class TokenizedExampleFile
{
    private static readonly byte[] Magic = "CGLMSFT\0"u8.ToArray();
    private const int HashLength = 32;

    public static void Write(string path, byte[] key, IReadOnlyList<TokenizedExample> examples)
    {
        if (key.Length != HashLength) throw new ArgumentException($"the key must be {HashLength} bytes", nameof(key));
        long size = Magic.Length + 4 + HashLength + 4 + HashLength;
        var forms = examples.Select(LabelForm).ToArray();
        for (int i = 0; i < examples.Count; i++)
            size += 8 + 4L * examples[i].InputIds.Length + (forms[i] < 0 ? 4 + 4L * examples[i].Labels.Length : 0);
        if (size > int.MaxValue) throw new InvalidOperationException($"{examples.Count} examples are too large for one cache file ({size:N0} bytes)");

        var bytes = new byte[size];
        int at = 0;
        void Int(int v) { BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), v); at += 4; }
        Magic.CopyTo(bytes, at); at += Magic.Length;
        Int(PreprocessingCacheKey.FormatVersion);
        key.CopyTo(bytes, at); at += HashLength;
        Int(examples.Count);
        for (int i = 0; i < examples.Count; i++)
        {
            var e = examples[i];
            Int(e.InputIds.Length);
            foreach (var id in e.InputIds) Int(id);
            Int(forms[i]);
            if (forms[i] >= 0) continue;
            Int(e.Labels.Length);
            foreach (var id in e.Labels) Int(id);
        }
        SHA256.HashData(bytes.AsSpan(0, at), bytes.AsSpan(at));

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>k when labels are k × -100 followed by the input ids from k on (the training layout); -1 otherwise.</summary>
    private static int LabelForm(TokenizedExample e)
    {
        if (e.Labels.Length != e.InputIds.Length) return -1;
        int k = 0;
        while (k < e.Labels.Length && e.Labels[k] == SupervisedPreprocessor.IgnoreIndex && e.InputIds[k] != SupervisedPreprocessor.IgnoreIndex) k++;
        return e.Labels.AsSpan(k).SequenceEqual(e.InputIds.AsSpan(k)) ? k : -1;
    }

    /// <summary>Reads and checks a file; throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static IReadOnlyList<TokenizedExample> Read(string path, byte[] expectedKey)
    {
        var bytes = File.ReadAllBytes(path);
        int minimum = Magic.Length + 4 + HashLength + 4 + HashLength;
        if (bytes.Length < minimum)
            throw new InvalidDataException($"{bytes.Length} bytes, shorter than any complete cache file ({minimum}): truncated");
        if (!bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new InvalidDataException("not a ChatGlmLab tokenized-example cache file (wrong magic bytes)");
        int bodyLength = bytes.Length - HashLength;
        if (!SHA256.HashData(bytes.AsSpan(0, bodyLength)).AsSpan().SequenceEqual(bytes.AsSpan(bodyLength)))
            throw new InvalidDataException("checksum mismatch: the file is truncated or corrupted");

        int at = Magic.Length;
        int Int()
        {
            if (at + 4 > bodyLength) throw new InvalidDataException($"ends early at byte {at}");
            int v = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
            at += 4;
            return v;
        }
        int version = Int();
        if (version != PreprocessingCacheKey.FormatVersion)
            throw new InvalidDataException($"format version {version}, this build reads {PreprocessingCacheKey.FormatVersion}");
        if (!bytes.AsSpan(at, HashLength).SequenceEqual(expectedKey))
            throw new InvalidDataException("written for a different cache key");
        at += HashLength;
        int count = Int();
        if (count < 0) throw new InvalidDataException($"negative example count {count}");
        var examples = new TokenizedExample[count];
        int[] Ints(int n, int index, string what)
        {
            if (n < 0 || (long)at + 4L * n > bodyLength)
                throw new InvalidDataException($"example {index}: {what} length {n} runs past the end of the file");
            var values = new int[n];
            for (int k = 0; k < n; k++) values[k] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at + 4 * k));
            at += 4 * n;
            return values;
        }
        for (int i = 0; i < count; i++)
        {
            var input = Ints(Int(), i, "input");
            int form = Int();
            int[] labels;
            if (form == -1)
                labels = Ints(Int(), i, "label");
            else if (form >= 0 && form <= input.Length)
            {
                labels = (int[])input.Clone();
                Array.Fill(labels, SupervisedPreprocessor.IgnoreIndex, 0, form);
            }
            else
                throw new InvalidDataException($"example {i}: label form {form} is neither -1 nor a prefix length of its {input.Length} input ids");
            examples[i] = new TokenizedExample(input, labels);
        }
        if (at != bodyLength)
            throw new InvalidDataException($"{bodyLength - at} unexpected bytes after the last example");
        return examples;
    }
}
