using ChatGlmLab.Tokenization;
using static TorchSharp.torch;

namespace ChatGlmLab.ModelInputs;

/// <summary>
/// Left-pads token sequences into one batch with ChatGLM's attention mask and 2-D position ids, using
/// the tokenizer's own padding code (upstream _pad), and pads labels with -100.
/// </summary>
public static class BatchCollator
{
    public sealed record Batch(Tensor InputIds, Tensor? Labels, Tensor AttentionMask, Tensor PositionIds);

    public static Batch Collate(ChatGlmTokenizer tokenizer, IReadOnlyList<int[]> inputIds, IReadOnlyList<int[]>? labels = null)
    {
        var padded = tokenizer.PadBatch(inputIds);
        int b = padded.BatchSize, l = padded.SequenceLength;

        var ids = new long[b * l];
        var mask = new bool[b * l * l];
        var positions = new long[b * 2 * l];
        for (int r = 0; r < b; r++)
        {
            Array.Copy(padded.InputIds[r], 0, ids, r * l, l);
            for (int q = 0; q < l; q++) Array.Copy(padded.AttentionMask[r][q], 0, mask, (r * l + q) * l, l);
            Array.Copy(padded.PositionIds[r][0], 0, positions, r * 2 * l, l);
            Array.Copy(padded.PositionIds[r][1], 0, positions, r * 2 * l + l, l);
        }

        Tensor? labelTensor = null;
        if (labels != null)
        {
            var flat = new long[b * l];
            Array.Fill(flat, SupervisedPreprocessor.IgnoreIndex);
            for (int r = 0; r < b; r++)
                for (int i = 0; i < labels[r].Length; i++) flat[r * l + (l - labels[r].Length) + i] = labels[r][i];
            labelTensor = tensor(flat, [b, l]);
        }
        return new Batch(tensor(ids, [b, l]), labelTensor, tensor(mask, [b, 1, l, l]), tensor(positions, [b, 2, l]));
    }
}
