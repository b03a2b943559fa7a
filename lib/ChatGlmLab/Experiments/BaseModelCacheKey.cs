using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChatGlmLab.Datasets;

namespace ChatGlmLab.Experiments;

/// <summary>
/// The folder name the small base model is cached under: a hash of everything it is built from — the
/// <see cref="BaseModelRecipe"/> (serialised, so a new field is in the key without anyone remembering to add it),
/// its seed, the pretraining sentences and the instruction records its tokenizer and glossary take words from.
/// Equal inputs give equal keys (a second run reuses the model); any change gives a new key (a new model).
/// </summary>
public static class BaseModelCacheKey
{
    public static string Of(BaseModelRecipe recipe, IReadOnlyList<string> sentences, IReadOnlyList<InstructionRecord> instructionSample)
    {
        var text = new StringBuilder();
        text.Append(JsonSerializer.Serialize(recipe)).Append('\n');
        text.Append("seed ").Append(recipe.Seed).Append('\n');
        text.Append("sentences ").Append(sentences.Count).Append('\n');
        foreach (var s in sentences) text.Append(s).Append('\n');
        text.Append("records ").Append(instructionSample.Count).Append('\n');
        foreach (var r in instructionSample)   // as a JSON array of strings: System.Text.Json skips the history's tuple fields
            text.Append(JsonSerializer.Serialize(new[] { r.Instruction, r.Input, r.Output }.Concat(r.History.SelectMany(h => new[] { h.Query, h.Response })))).Append('\n');
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16].ToLowerInvariant();
    }
}
