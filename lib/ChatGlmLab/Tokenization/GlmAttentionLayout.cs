namespace ChatGlmLab.Tokenization;

/// <summary>
/// ChatGLM-6B's prefix-LM layout: tokens before the first <c>&lt;sop&gt;</c> (the context) see each other
/// bidirectionally, later tokens are causal; position row 0 counts tokens up to the context and then stays at
/// the mask token's index, row 1 (block position) is 0 over the context and 1, 2, 3, ... from <c>&lt;sop&gt;</c>.
/// Two upstream variants differ in details and are both kept: the tokenizer's <c>_pad</c> and the model's
/// <c>get_masks</c>/<c>get_position_ids</c>.
/// </summary>
public static class GlmAttentionLayout
{
    /// <summary>
    /// Upstream model side (<c>get_masks</c>, <c>get_position_ids</c> as <c>forward</c> calls them): context length =
    /// index of the first bos (required), mask position = index of the first [gMASK] if present, else of the first [MASK].
    /// </summary>
    public static SequenceLayout ForModel(IReadOnlyList<int> ids, int bosId, int maskId, int gMaskId)
    {
        int contextLength = IndexOf(ids, bosId);
        if (contextLength < 0)
            throw new ArgumentException($"the sequence has no <sop> (id {bosId}); the model needs it to find the context", nameof(ids));
        bool useGMask = IndexOf(ids, gMaskId) >= 0;
        int maskPosition = IndexOf(ids, useGMask ? gMaskId : maskId);
        if (maskPosition < 0)
            throw new ArgumentException($"the sequence has neither [gMASK] (id {gMaskId}) nor [MASK] (id {maskId})", nameof(ids));
        return new SequenceLayout(contextLength, maskPosition, useGMask,
            PrefixLmMask(ids.Count, contextLength), Positions(ids.Count, contextLength, maskPosition));
    }

    /// <summary>
    /// Upstream tokenizer side (<c>_pad</c> with padding=True): context length = index of the first bos, or the whole
    /// length without one; mask token = [MASK] if the row has one, else [gMASK] (note: the opposite preference to the
    /// model); positions from the context on are set to its index only if the row has it. Then left padding.
    /// </summary>
    public static PaddedBatch PadLeft(IReadOnlyList<int[]> sequences, int padId, int bosId, int maskId, int gMaskId)
    {
        int length = sequences.Count == 0 ? 0 : sequences.Max(s => s.Length);
        var inputIds = new long[sequences.Count][];
        var masks = new bool[sequences.Count][][];
        var positions = new long[sequences.Count][][];
        for (int b = 0; b < sequences.Count; b++)
        {
            var ids = sequences[b] ?? throw new ArgumentNullException(nameof(sequences), $"sequence {b} is null");
            int n = ids.Length, pad = length - n;
            int bos = IndexOf(ids, bosId);
            int contextLength = bos >= 0 ? bos : n;
            int maskToken = IndexOf(ids, maskId) >= 0 ? maskId : gMaskId;
            int maskPosition = IndexOf(ids, maskToken);
            var rowMask = PrefixLmMask(n, contextLength);
            var rowPositions = Positions(n, contextLength, maskPosition);

            inputIds[b] = new long[length];
            for (int j = 0; j < pad; j++) inputIds[b][j] = padId;
            for (int j = 0; j < n; j++) inputIds[b][pad + j] = ids[j];

            // np.pad(..., constant_values=True) on the two last axes: pad rows and pad columns are masked.
            masks[b] = new bool[length][];
            for (int i = 0; i < length; i++)
            {
                var row = masks[b][i] = new bool[length];
                for (int j = 0; j < length; j++)
                    row[j] = i < pad || j < pad || rowMask[i - pad][j - pad];
            }

            // np.pad(..., pad_width=[(0, 0), (difference, 0)]): zeros on the left.
            positions[b] = new long[2][];
            for (int r = 0; r < 2; r++)
            {
                positions[b][r] = new long[length];
                Array.Copy(rowPositions[r], 0, positions[b][r], pad, n);
            }
        }
        return new PaddedBatch(inputIds, masks, positions);
    }

    /// <summary>true = masked: query i may not see key j when j is after i and outside the context.</summary>
    private static bool[][] PrefixLmMask(int length, int contextLength)
    {
        var mask = new bool[length][];
        for (int i = 0; i < length; i++)
        {
            mask[i] = new bool[length];
            for (int j = 0; j < length; j++) mask[i][j] = !(j <= i || j < contextLength);
        }
        return mask;
    }

    /// <summary>[2][L]: arange with positions from the context on set to <paramref name="maskPosition"/> (if ≥ 0); block positions.</summary>
    private static long[][] Positions(int length, int contextLength, int maskPosition)
    {
        var tokenPositions = new long[length];
        var blockPositions = new long[length];
        for (int i = 0; i < length; i++)
        {
            tokenPositions[i] = i >= contextLength && maskPosition >= 0 ? maskPosition : i;
            blockPositions[i] = i < contextLength ? 0 : i - contextLength + 1;
        }
        return [tokenPositions, blockPositions];
    }

    private static int IndexOf(IReadOnlyList<int> ids, int value)
    {
        for (int i = 0; i < ids.Count; i++) if (ids[i] == value) return i;
        return -1;
    }
}
