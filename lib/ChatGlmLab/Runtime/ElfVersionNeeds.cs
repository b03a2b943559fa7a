using System.Buffers.Binary;
using System.Text;

namespace ChatGlmLab.Runtime;

/// <summary>
/// Reads and edits the version-need table (<c>.gnu.version_r</c>) of a 64-bit little-endian ELF
/// shared object. Used to mark one needed symbol version "weak" so the dynamic loader accepts a
/// libstdc++ that lacks it (see <see cref="TorchNativeLoader"/> for why that is safe).
/// </summary>
internal static class ElfVersionNeeds
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>One Vernaux entry: the needed version name, which library it comes from, its flags and file offset of the flags.</summary>
    public readonly record struct Need(string Library, string Version, ushort Flags, int FlagsOffset)
    {
        public bool IsWeak => (Flags & VerFlagWeak) != 0;
    }

    public static IReadOnlyList<Need> Read(byte[] elf, string fileNameForErrors)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException($"{fileNameForErrors}: not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException($"{fileNameForErrors}: only 64-bit little-endian ELF is supported");

        var span = elf.AsSpan();
        long shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);

        var needs = new List<Need>();
        for (int s = 0; s < shnum; s++)
        {
            var sh = span[(int)(shoff + s * shentsize)..];
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtGnuVerneed) continue;

            long offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);
            int count = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x2C..]);
            var strtab = span[(int)(shoff + link * shentsize)..];
            long strOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(strtab[0x18..]);

            long vn = offset;
            for (int i = 0; i < count; i++)
            {
                int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(span[(int)(vn + 2)..]);
                string library = ReadString(span, strOffset + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(vn + 4)..]));
                long aux = vn + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(vn + 8)..]);
                for (int a = 0; a < auxCount; a++)
                {
                    ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(span[(int)(aux + 4)..]);
                    string version = ReadString(span, strOffset + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 8)..]));
                    needs.Add(new Need(library, version, flags, (int)(aux + 4)));
                    aux += BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 12)..]);
                }
                vn += BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(vn + 12)..]);
            }
        }
        return needs;
    }

    /// <summary>Sets VER_FLG_WEAK on every need of <paramref name="version"/>. Returns how many entries changed.</summary>
    public static int MarkWeak(byte[] elf, string version, string fileNameForErrors)
    {
        int changed = 0;
        foreach (var need in Read(elf, fileNameForErrors))
        {
            if (need.Version != version || need.IsWeak) continue;
            BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(need.FlagsOffset), (ushort)(need.Flags | VerFlagWeak));
            changed++;
        }
        return changed;
    }

    private static string ReadString(ReadOnlySpan<byte> data, long offset)
    {
        var rest = data[(int)offset..];
        int end = rest.IndexOf((byte)0);
        return Encoding.ASCII.GetString(rest[..end]);
    }
}
