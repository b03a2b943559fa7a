using ChatGlmLab.Tokenization;

namespace ChatGlmLab.ModelInputs;

/// <summary>
/// The GLM objective for training a small base model from scratch: each text is cut at a random
/// point (new cut every epoch, from System.Random(seed + epoch)); the prefix becomes the prompt and
/// the rest is generated after [gMASK] &lt;sop&gt;, ending with &lt;eop&gt; — the same layout fine-tuning and
/// generation use, so the base model already "speaks" ChatGLM's input format. Labels cover the
/// continuation and &lt;eop&gt;. Texts are shuffled per epoch and batched (left-padded); in a data-parallel run each
/// rank batches its shard of every global batch, with the cuts every rank draws alike.
/// </summary>
public sealed class GlmPretrainingSource : IBatchSource
{
    private readonly ChatGlmTokenizer _tokenizer;
    private readonly int[][] _tokens;
    private readonly int _batchSize;
    private readonly DataParallelShard _shard;

    public GlmPretrainingSource(ChatGlmTokenizer tokenizer, IReadOnlyList<string> texts, int batchSize, int maxLength = 256)
        : this(tokenizer, texts.Select(t => tokenizer.Encode(t)).Where(t => t.Length >= 2).Select(t => t.Length > maxLength - 3 ? t[..(maxLength - 3)] : t).ToArray(),
            batchSize, DataParallelShard.Single) { }

    private GlmPretrainingSource(ChatGlmTokenizer tokenizer, int[][] tokens, int batchSize, DataParallelShard shard)
    {
        _tokenizer = tokenizer;
        _tokens = tokens;
        _batchSize = batchSize;
        _shard = shard;
    }

    public int BatchCount => _shard.BatchCount(_tokens.Length, _batchSize);
    public int ExampleCount => _tokens.Length;

    public IBatchSource ForShard(DataParallelShard shard) => new GlmPretrainingSource(_tokenizer, _tokens, _batchSize, shard);

    public IEnumerable<TrainingBatch> Batches(int epoch, int seed)
    {
        var random = new Random(unchecked(seed * 7919 + epoch));
        var order = Enumerable.Range(0, _tokens.Length).ToArray();
        random.Shuffle(order);
        // The cuts are drawn in epoch order for every text (the same draws as batch after batch), so all ranks agree.
        var cuts = new int[_tokens.Length];
        foreach (var i in order) cuts[i] = random.Next(1, _tokens[i].Length);   // at least one prompt and one target token
        foreach (var members in _shard.Batches(order.Chunk(_shard.GlobalBatchSize(_batchSize)).ToArray()))
        {
            var inputs = new List<int[]>();
            var labels = new List<int[]>();
            foreach (var i in members)
            {
                var t = _tokens[i];
                int cut = cuts[i];
                var input = _tokenizer.BuildInputsWithSpecialTokens(t[..cut], t[cut..]);
                var label = new int[input.Length];
                Array.Fill(label, SupervisedPreprocessor.IgnoreIndex, 0, cut + 2);
                Array.Copy(input, cut + 2, label, cut + 2, input.Length - cut - 2);
                inputs.Add(input);
                labels.Add(label);
            }
            var batch = BatchCollator.Collate(_tokenizer, inputs, labels);
            yield return new TrainingBatch(batch.InputIds, batch.Labels!, batch.AttentionMask, batch.PositionIds);
        }
    }
}
