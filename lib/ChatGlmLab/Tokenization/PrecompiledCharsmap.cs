using System.Buffers.Binary;
using System.Text;

namespace ChatGlmLab.Tokenization;

/// <summary>
/// Read-only view of a SentencePiece <c>precompiled_charsmap</c>: a uint32 (little endian) byte size of a
/// Darts-clone double-array trie, the trie's uint32 units, then the NUL-separated replacement strings.
/// The kit only needs one question answered from it (see <see cref="CodePointsMappedToEmpty"/>); the
/// normalization itself is done by Microsoft.ML.Tokenizers.
/// </summary>
internal sealed class PrecompiledCharsmap
{
    private readonly uint[] _units;
    private readonly byte[] _replacements;

    private PrecompiledCharsmap(uint[] units, byte[] replacements)
    {
        _units = units;
        _replacements = replacements;
    }

    public static PrecompiledCharsmap Parse(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 4) throw new InvalidDataException("precompiled_charsmap is shorter than its 4-byte header");
        uint trieSize = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieSize % 4 != 0 || trieSize > (uint)(blob.Length - 4))
            throw new InvalidDataException($"precompiled_charsmap trie size {trieSize} does not fit the {blob.Length}-byte blob");
        var units = new uint[trieSize / 4];
        for (int i = 0; i < units.Length; i++)
            units[i] = BinaryPrimitives.ReadUInt32LittleEndian(blob.Slice(4 + 4 * i, 4));
        return new PrecompiledCharsmap(units, blob.Slice(4 + (int)trieSize).ToArray());
    }

    /// <summary>
    /// Code points whose whole replacement is the empty string (nmt_nfkc: the ASCII/C1 control characters
    /// U+0001–U+0008, U+000B, U+000E–U+001F, U+007F, U+008F, U+009F), leaving out any that start a longer rule.
    /// </summary>
    public IReadOnlySet<int> CodePointsMappedToEmpty()
    {
        var result = new HashSet<int>();
        Span<byte> utf8 = stackalloc byte[4];
        for (int cp = 1; cp <= 0x10FFFF; cp++)
        {
            if (cp is >= 0xD800 and <= 0xDFFF) continue;
            int length = new Rune(cp).EncodeToUtf8(utf8);
            if (TryExactMatch(utf8[..length], out int value, out bool hasLongerKeys) && !hasLongerKeys
                && value < _replacements.Length && _replacements[value] == 0)
                result.Add(cp);
        }
        return result;
    }

    /// <summary>
    /// The longest rule matching a prefix of <paramref name="input"/> (Darts-clone common-prefix search): its length in
    /// bytes and its replacement (UTF-8). False when no rule matches.
    /// </summary>
    public bool TryLongestMatch(ReadOnlySpan<byte> input, out int length, out ReadOnlySpan<byte> replacement)
    {
        length = 0;
        replacement = default;
        if (_units.Length == 0) return false;
        int value = -1;
        uint nodePos = Offset(_units[0]);
        for (int i = 0; i < input.Length; i++)
        {
            nodePos ^= input[i];
            if (nodePos >= _units.Length) break;
            uint unit = _units[nodePos];
            if (Label(unit) != input[i]) break;
            nodePos ^= Offset(unit);
            if (HasLeaf(unit))
            {
                if (nodePos >= _units.Length) break;
                value = Value(_units[nodePos]);
                length = i + 1;
            }
        }
        if (length == 0) return false;
        if (value < 0 || value > _replacements.Length) throw new InvalidDataException("precompiled_charsmap rule points outside its string table");
        int end = value;
        while (end < _replacements.Length && _replacements[end] != 0) end++;
        replacement = _replacements.AsSpan(value, end - value);
        return true;
    }

    // Darts-clone unit layout.
    private static bool HasLeaf(uint unit) => ((unit >> 8) & 1) == 1;
    private static int Value(uint unit) => (int)(unit & 0x7FFFFFFF);
    private static uint Label(uint unit) => unit & (0x80000000u | 0xFF);
    private static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);

    private bool TryExactMatch(ReadOnlySpan<byte> key, out int value, out bool hasLongerKeys)
    {
        value = -1;
        hasLongerKeys = false;
        if (_units.Length == 0) return false;
        uint nodePos = 0;
        uint unit = _units[0];
        foreach (byte b in key)
        {
            nodePos ^= Offset(unit) ^ b;
            if (nodePos >= _units.Length) return false;
            unit = _units[nodePos];
            if (Label(unit) != b) return false;
        }
        if (!HasLeaf(unit)) return false;
        uint childBase = nodePos ^ Offset(unit);
        if (childBase >= _units.Length) return false;
        value = Value(_units[childBase]);
        for (uint b = 1; b <= 0xFF; b++)
        {
            uint child = childBase ^ b;
            if (child < _units.Length && Label(_units[child]) == b) { hasLongerKeys = true; break; }
        }
        return true;
    }
}
