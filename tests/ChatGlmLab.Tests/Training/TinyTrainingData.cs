using ChatGlmLab.ModelInputs;
using ChatGlmLab.Modeling;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Training;

/// <summary>Supervised rows for the tiny fixture model (ids [gMASK]=591 &lt;sop&gt;=594 &lt;eop&gt;=595), all the same length.</summary>
public static class TinyTrainingData
{
    public static string ModelDir => Paths.Fixture("chatglm-tiny");

    public static ChatGlmForConditionalGeneration LoadModel() => ChatGlmForConditionalGeneration.FromPretrained(ModelDir);

    /// <summary><paramref name="count"/> rows: a 6-token prompt and a 4-token answer that is a fixed function of the prompt (learnable).</summary>
    public static List<(long[] Ids, long[] Labels)> Rows(int count, int seed = 1)
    {
        var rng = new Random(seed);
        var rows = new List<(long[], long[])>();
        for (int r = 0; r < count; r++)
        {
            var prompt = Enumerable.Range(0, 6).Select(_ => (long)rng.Next(10, 500)).ToArray();
            var answer = new[] { 100 + prompt[0] % 50, 200 + prompt[1] % 50, 300 + prompt[2] % 50, 400 + prompt[3] % 50 };
            rows.Add(InMemoryBatchSource.SupervisedRow(prompt, answer, 591, 594, 595));
        }
        return rows;
    }

    public static InMemoryBatchSource Source(int rows, int batchSize, bool shuffle = true, int seed = 1) =>
        new(Rows(rows, seed), batchSize, shuffle);
}

/// <summary>A fresh temporary output directory per test.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("chatglmlab-train-").FullName;
    public string Sub(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
