using ChatGlmLab;
using ChatGlmLab.Experiments;
using ChatGlmLab.Modeling;
using ChatGlmLab.Tests.Infrastructure;
using ChatGlmLab.Tokenization;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Experiments;

/// <summary>
/// The small base model shipped in data/base-model is the one the default comparison's recipe names, unchanged since it
/// was built, and it loads: so `compare` uses it instead of pretraining, and a change to the recipe, the seed or the
/// corpus (which changes the key) is noticed here rather than by a run that silently pretrains again.
/// </summary>
public sealed class ShippedBaseModelTests
{
    private static CompareOptions DefaultOptions() =>
        ExperimentProfile.Options(ExperimentProfile.Default, Path.Combine(Path.GetTempPath(), "unused"), Path.Combine(Paths.RepoRoot, "data"));

    private static string ShippedDir => DefaultOptions().ShippedBaseModelFolder();

    [Fact]
    public void ItWasBuiltForTheDefaultProfilesRecipeSeedAndData()
    {
        var manifest = BaseModelManifest.Read(ShippedDir);
        Assert.NotNull(manifest);
        var options = DefaultOptions();
        Assert.Equal(options.BaseModel, manifest!.Recipe);
        Assert.Equal(options.BaseModel.Seed, manifest.Seed);
        Assert.Equal(ExperimentData.BaseModelKey(options), manifest.Key);
    }

    /// <summary>
    /// The test profile fine-tunes the same model (its key is the default's), so CompareTests measures the shipped one; so does
    /// the long profile, which fine-tunes on all 2,000 train sentences, and so does another fine-tuning seed.
    /// </summary>
    [Theory]
    [InlineData(ExperimentProfile.Reduced)]
    [InlineData(ExperimentProfile.Long)]
    public void TheOtherProfilesOfTheBundledCorpusUseItToo(string profile)
    {
        var options = ExperimentProfile.Options(profile, Path.Combine(Path.GetTempPath(), "unused"), Path.Combine(Paths.RepoRoot, "data"));
        string shipped = BaseModelManifest.Read(ShippedDir)!.Key;
        Assert.Equal(shipped, ExperimentData.BaseModelKey(options));
        Assert.Equal(shipped, ExperimentData.BaseModelKey(options with { Seed = options.Seed + 1 }));
    }

    [Fact]
    public void ItsWeightsAreTheFileTheManifestHashes()
    {
        var manifest = BaseModelManifest.Read(ShippedDir)!;
        Assert.Matches("^[0-9a-f]{64}$", manifest.WeightsSha256);
        Assert.Equal(manifest.WeightsSha256, BaseModelManifest.Sha256Of(Path.Combine(ShippedDir, BaseModelManifest.WeightsFile)));
    }

    [Fact]
    public void ItLoadsWithTheRecipesShapeAndItsTokenizer()
    {
        var recipe = BaseModelManifest.Read(ShippedDir)!.Recipe;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        using var model = ChatGlmForConditionalGeneration.FromPretrained(ShippedDir);
        Assert.Equal(recipe.HiddenSize, model.Config.HiddenSize);
        Assert.Equal(recipe.NumLayers, model.Config.NumLayers);
        Assert.Equal(recipe.InnerHiddenSize, model.Config.InnerHiddenSize);
        var tokenizer = ChatGlmTokenizer.FromPretrained(ShippedDir);
        Assert.True(tokenizer.VocabSize <= model.Config.VocabSize, $"tokenizer {tokenizer.VocabSize} pieces, model {model.Config.VocabSize}");
        var ids = tokenizer.Encode("更换3号机组的液压泵密封圈", addSpecialTokens: true);
        var logits = model.forward(new CausalLMInput(tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]))).Logits;
        Assert.False(logits.isnan().any().item<bool>());
    }

    [Fact]
    public void TheDefaultComparisonUsesItInsteadOfPretraining()
    {
        using var temp = new TempFiles();
        var options = DefaultOptions() with { OutputDir = temp.Dir };
        var lines = new List<string>();
        var data = ExperimentData.Prepare(options, lines.Add);
        Assert.Equal(Path.GetFullPath(ShippedDir), Path.GetFullPath(data.BaseModelDir));
        Assert.Contains(lines, l => l.Contains("shipped"));
        Assert.False(Directory.Exists(options.BaseModelCacheFolder()), "nothing is built or cached");
    }
}
