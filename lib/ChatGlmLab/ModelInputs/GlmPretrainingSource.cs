using ChatGlmLab.Tokenization;

namespace ChatGlmLab.ModelInputs;

/// <summary>
/// The GLM objective for training a small base model from scratch: each text is cut at a random
/// point (new cut every epoch, from System.Random(seed + epoch)); the prefix becomes the prompt and
/// the rest is generated after [gMASK] &lt;sop&gt;, ending with &lt;eop&gt; — the same layout fine-tuning and
/// generation use, so the base model already "speaks" ChatGLM's input format. Labels cover the
/// continuation and &lt;eop&gt;. Texts are shuffled per epoch and batched (left-padded).
/// </summary>
public sealed class GlmPretrainingSource(ChatGlmTokenizer tokenizer, IReadOnlyList<string> texts, int batchSize, int maxLength = 256) : IBatchSource
{
    private readonly int[][] _tokens = texts.Select(t => tokenizer.Encode(t)).Where(t => t.Length >= 2).Select(t => t.Length > maxLength - 3 ? t[..(maxLength - 3)] : t).ToArray();

    public int BatchCount => (_tokens.Length + batchSize - 1) / batchSize;
    public int ExampleCount => _tokens.Length;

    public IEnumerable<TrainingBatch> Batches(int epoch, int seed)
    {
        var random = new Random(unchecked(seed * 7919 + epoch));
        var order = Enumerable.Range(0, _tokens.Length).ToArray();
        random.Shuffle(order);
        foreach (var members in order.Chunk(batchSize))
        {
            var inputs = new List<int[]>();
            var labels = new List<int[]>();
            foreach (var i in members)
            {
                var t = _tokens[i];
                int cut = random.Next(1, t.Length);         // at least one prompt and one target token
                var input = tokenizer.BuildInputsWithSpecialTokens(t[..cut], t[cut..]);
                var label = new int[input.Length];
                Array.Fill(label, SupervisedPreprocessor.IgnoreIndex, 0, cut + 2);
                Array.Copy(input, cut + 2, label, cut + 2, input.Length - cut - 2);
                inputs.Add(input);
                labels.Add(label);
            }
            var batch = BatchCollator.Collate(tokenizer, inputs, labels);
            yield return new TrainingBatch(batch.InputIds, batch.Labels!, batch.AttentionMask, batch.PositionIds);
        }
    }
}
