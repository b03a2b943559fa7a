using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace ChatGlmLab.Runtime;

// This file is compiled twice: into the library, and by MSBuild's RoslynCodeTaskFactory as the build task that patches
// the build output's libLibTorchSharp.so (ChatGlmLab.csproj, target MarkLibTorchSharpGlibcxxNeedWeak). The task factory
// compiles against netstandard 2.0, so this code uses plain arrays (no spans, ranges or records), and the task class at
// the end is left out of the library, which defines CHATGLMLAB_LIBRARY.

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
    public sealed class Need
    {
        public Need(string library, string version, ushort flags, int flagsOffset)
        {
            Library = library;
            Version = version;
            Flags = flags;
            FlagsOffset = flagsOffset;
        }

        public string Library { get; }
        public string Version { get; }
        public ushort Flags { get; }
        public int FlagsOffset { get; }
        public bool IsWeak => (Flags & VerFlagWeak) != 0;
    }

    public static IReadOnlyList<Need> Read(byte[] elf, string fileNameForErrors)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException($"{fileNameForErrors}: not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException($"{fileNameForErrors}: only 64-bit little-endian ELF is supported");

        long shoff = (long)U64(elf, 0x28);
        int shentsize = U16(elf, 0x3A);
        int shnum = U16(elf, 0x3C);

        var needs = new List<Need>();
        for (int s = 0; s < shnum; s++)
        {
            long sh = shoff + (long)s * shentsize;
            if (U32(elf, sh + 4) != ShtGnuVerneed) continue;

            long offset = (long)U64(elf, sh + 0x18);
            long link = U32(elf, sh + 0x28);
            long count = U32(elf, sh + 0x2C);
            long strOffset = (long)U64(elf, shoff + link * shentsize + 0x18);

            long vn = offset;
            for (long i = 0; i < count; i++)
            {
                int auxCount = U16(elf, vn + 2);
                string library = ReadString(elf, strOffset + U32(elf, vn + 4));
                long aux = vn + U32(elf, vn + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    ushort flags = U16(elf, aux + 4);
                    string version = ReadString(elf, strOffset + U32(elf, aux + 8));
                    needs.Add(new Need(library, version, flags, (int)(aux + 4)));
                    aux += U32(elf, aux + 12);
                }
                vn += U32(elf, vn + 12);
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
            ushort flags = (ushort)(need.Flags | VerFlagWeak);
            elf[need.FlagsOffset] = (byte)flags;
            elf[need.FlagsOffset + 1] = (byte)(flags >> 8);
            changed++;
        }
        return changed;
    }

    /// <summary>True when the file declares a need for <paramref name="version"/> that is not weak (the loader would refuse a libstdc++ without it).</summary>
    public static bool NeedsStrictly(string path, string version)
    {
        foreach (var need in Read(File.ReadAllBytes(path), path))
            if (need.Version == version && !need.IsWeak) return true;
        return false;
    }

    private static ushort U16(byte[] b, long at) => (ushort)(b[at] | b[at + 1] << 8);

    private static uint U32(byte[] b, long at) => (uint)(b[at] | b[at + 1] << 8 | b[at + 2] << 16 | b[at + 3] << 24);

    private static ulong U64(byte[] b, long at) => U32(b, at) | (ulong)U32(b, at + 4) << 32;

    private static string ReadString(byte[] data, long offset)
    {
        long end = offset;
        while (data[end] != 0) end++;
        return Encoding.ASCII.GetString(data, (int)offset, (int)(end - offset));
    }
}

#if !CHATGLMLAB_LIBRARY
/// <summary>
/// The build step: a copy of <see cref="Source"/> with the need for <see cref="Version"/> marked weak, written to
/// <see cref="Destination"/> when it is missing or older than the source (a few bytes differ; the rest is the same file).
/// </summary>
public sealed class MarkVersionNeedWeak : Microsoft.Build.Utilities.Task
{
    [Microsoft.Build.Framework.Required] public string Source { get; set; } = "";
    [Microsoft.Build.Framework.Required] public string Destination { get; set; } = "";
    [Microsoft.Build.Framework.Required] public string Version { get; set; } = "";

    public override bool Execute()
    {
        if (File.Exists(Destination) && File.GetLastWriteTimeUtc(Destination) >= File.GetLastWriteTimeUtc(Source)) return true;
        byte[] elf = File.ReadAllBytes(Source);
        int changed = ElfVersionNeeds.MarkWeak(elf, Version, Source);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(Destination))!);
        string temp = Destination + ".tmp";
        File.WriteAllBytes(temp, elf);
        if (File.Exists(Destination)) File.Delete(Destination);
        File.Move(temp, Destination);
        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, $"{Destination}: {changed} need(s) for {Version} marked weak");
        return true;
    }
}
#endif
