using System.Security.Cryptography;
using System.Text.Json;

namespace ChatGlmLab.Experiments;

/// <summary>
/// What a built small base model's folder says about itself (<c>recipe.json</c>, written last, so a folder without it is
/// unfinished): the key it was built for (<see cref="BaseModelCacheKey"/>), the seed and <see cref="BaseModelRecipe"/>, how
/// long its pretraining took, and the SHA-256 of its weights file — what a test checks the shipped model against.
/// </summary>
public sealed record BaseModelManifest
{
    public const string FileName = "recipe.json";
    /// <summary>The weights file <see cref="Adapters.ModelExport.SavePretrained"/> writes.</summary>
    public const string WeightsFile = "pytorch_model.bin";

    public required string Key { get; init; }
    public required int Seed { get; init; }
    public required BaseModelRecipe Recipe { get; init; }
    /// <summary>Wall-clock seconds of the pretraining steps (0 when not recorded).</summary>
    public double PretrainingSeconds { get; init; }
    /// <summary>Lower-case hex SHA-256 of <see cref="WeightsFile"/> (null when not recorded).</summary>
    public string? WeightsSha256 { get; init; }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The manifest of a finished model folder, or null when the folder has none (not built, or unfinished).</summary>
    public static BaseModelManifest? Read(string dir)
    {
        string path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) return null;
        BaseModelManifest? manifest;
        try { manifest = JsonSerializer.Deserialize<BaseModelManifest>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a base model manifest ({e.Message}); delete the folder to rebuild it"); }
        // The recipe's JSON leaves its seed out (the manifest's own field holds it).
        return manifest is null ? null : manifest with { Recipe = manifest.Recipe with { Seed = manifest.Seed } };
    }

    public void Write(string dir) => File.WriteAllText(Path.Combine(dir, FileName), JsonSerializer.Serialize(this, Json));

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }
}
