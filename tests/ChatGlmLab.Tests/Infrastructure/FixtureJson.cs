using System.Text.Json;

namespace ChatGlmLab.Tests.Infrastructure;

/// <summary>Reads the fixtures' cases.json files and their tensor objects ({shape, dtype, data}).</summary>
public static class FixtureJson
{
    public static JsonElement Load(params string[] relativePath)
    {
        var path = Paths.Fixture(relativePath);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.Clone();
    }

    public static long[] Shape(JsonElement tensor) =>
        tensor.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();

    /// <summary>Float data: each number is the shortest decimal that round-trips a float32.</summary>
    public static float[] Floats(JsonElement tensor) =>
        tensor.GetProperty("data").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

    public static long[] Longs(JsonElement tensor) =>
        tensor.GetProperty("data").EnumerateArray().Select(e => e.GetInt64()).ToArray();

    public static long[] LongArray(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt64()).ToArray();
    public static int[] IntArray(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
