using static TorchSharp.torch;

namespace ChatGlmLab.Taggers;

/// <summary>
/// Sentences as the tagger's tensors, padded at the end to the longest: character ids [batch, length], lengths [batch],
/// mask [batch, length] (true on characters) and, for training, tag ids [batch, length] (padding tagged "O", masked out).
/// </summary>
public sealed record TaggerBatch(Tensor Ids, Tensor Lengths, Tensor Mask, Tensor? Tags)
{
    /// <param name="ids">Each sentence's character ids (at least one).</param>
    /// <param name="tags">Each sentence's tag ids, as long as its ids; null when predicting.</param>
    public static TaggerBatch Of(IReadOnlyList<long[]> ids, IReadOnlyList<long[]>? tags = null)
    {
        int batch = ids.Count, length = ids.Max(s => s.Length);
        var idData = new long[batch * length];
        var tagData = new long[batch * length];
        var maskData = new bool[batch * length];
        for (int b = 0; b < batch; b++)
        {
            Array.Copy(ids[b], 0, idData, b * length, ids[b].Length);
            if (tags != null) Array.Copy(tags[b], 0, tagData, b * length, tags[b].Length);
            for (int i = 0; i < ids[b].Length; i++) maskData[b * length + i] = true;
        }
        return new TaggerBatch(
            tensor(idData).view(batch, length), tensor(ids.Select(s => (long)s.Length).ToArray()),
            tensor(maskData).view(batch, length), tags == null ? null : tensor(tagData).view(batch, length));
    }
}
