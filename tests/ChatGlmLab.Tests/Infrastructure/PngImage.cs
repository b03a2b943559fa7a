using System.Buffers.Binary;
using System.IO.Compression;

namespace ChatGlmLab.Tests.Infrastructure;

/// <summary>
/// Just enough PNG decoding to measure a screenshot: 8-bit grayscale, RGB or RGBA, not interlaced (what
/// Chromium writes). Pixels come back as luminance values, for blank-image checks.
/// </summary>
public sealed record PngImage(int Width, int Height, byte[] Luminance)
{
    public static PngImage Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8 || BinaryPrimitives.ReadUInt64BigEndian(bytes) != 0x89504E470D0A1A0A) throw new InvalidDataException($"{path}: not a PNG");
        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (int at = 8; at + 8 <= bytes.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(bytes, at + 4, 4);
            var data = bytes.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                if (data[8] != 8 || data[12] != 0) throw new InvalidDataException($"{path}: only 8-bit, non-interlaced PNGs are read here");
                channels = data[9] switch { 0 => 1, 2 => 3, 6 => 4, 4 => 2, _ => throw new InvalidDataException($"{path}: colour type {data[9]} not supported") };
            }
            else if (type == "IDAT") idat.Write(data);
            else if (type == "IEND") break;
            at += 12 + length;
        }
        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionMode.Decompress)) z.CopyTo(inflated);
        var raw = inflated.ToArray();
        int stride = width * channels;
        var previous = new byte[stride];
        var current = new byte[stride];
        var luminance = new byte[width * height];
        for (int y = 0; y < height; y++)
        {
            int row = y * (stride + 1);
            byte filter = raw[row];
            for (int x = 0; x < stride; x++)
            {
                int a = x >= channels ? current[x - channels] : 0, b = previous[x], c = x >= channels ? previous[x - channels] : 0;
                int predicted = filter switch
                {
                    0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"{path}: bad filter {filter} in row {y}"),
                };
                current[x] = (byte)(raw[row + 1 + x] + predicted);
            }
            for (int x = 0; x < width; x++)
            {
                int p = x * channels;
                luminance[y * width + x] = channels < 3 ? current[p] : (byte)((current[p] * 299 + current[p + 1] * 587 + current[p + 2] * 114) / 1000);
            }
            (previous, current) = (current, previous);
        }
        return new PngImage(width, height, luminance);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    public double Variance()
    {
        double mean = Luminance.Average(v => (double)v);
        return Luminance.Average(v => (v - mean) * (v - mean));
    }

    /// <summary>Share of pixels that differ from the most common value (the background).</summary>
    public double NonBackgroundShare()
    {
        var counts = new int[256];
        foreach (var v in Luminance) counts[v]++;
        return 1 - counts.Max() / (double)Luminance.Length;
    }
}
