using ChatGlmLab;
using ChatGlmLab.Experiments;
using ChatGlmLab.Modeling;
using ChatGlmLab.Tests.Infrastructure;
using ChatGlmLab.Tokenization;
using static TorchSharp.torch;

namespace ChatGlmLab.Tests.Experiments;

/// <summary>
/// The small base models shipped in data/base-model (the bundled corpus's) and data/cluener-base-model (CLUENER2020's)
/// are the ones their comparison's recipe names, unchanged since they were built, and they load: so `compare` uses them
/// instead of pretraining, and a change to the recipe, the seed or the corpus (which changes the key) is noticed here
/// rather than by a run that silently pretrains again.
/// </summary>
public sealed class ShippedBaseModelTests
{
    private static CompareOptions Options(string profile) =>
        ExperimentProfile.Options(profile, Path.Combine(Path.GetTempPath(), "unused"), Path.Combine(Paths.RepoRoot, "data"),
            cluenerDir: profile == ExperimentProfile.Cluener ? Paths.SharedData("cluener2020") : null);

    private static CompareOptions DefaultOptions() => Options(ExperimentProfile.Default);

    private static string ShippedDir => DefaultOptions().ShippedBaseModelFolder();

    [Theory]
    [InlineData(ExperimentProfile.Default)]
    [InlineData(ExperimentProfile.Cluener)]
    public void ItWasBuiltForItsProfilesRecipeSeedAndData(string profile)
    {
        var options = Options(profile);
        var manifest = BaseModelManifest.Read(options.ShippedBaseModelFolder());
        Assert.NotNull(manifest);
        Assert.Equal(options.BaseModel, manifest!.Recipe);
        Assert.Equal(options.BaseModel.Seed, manifest.Seed);
        Assert.Equal(ExperimentData.BaseModelKey(options), manifest.Key);
    }

    [Fact]
    public void EachProfileHasAFolderOfItsOwn() =>
        Assert.NotEqual(Path.GetFullPath(ShippedDir), Path.GetFullPath(Options(ExperimentProfile.Cluener).ShippedBaseModelFolder()));

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

    [Theory]
    [InlineData(ExperimentProfile.Default)]
    [InlineData(ExperimentProfile.Cluener)]
    public void ItsWeightsAreTheFileTheManifestHashes(string profile)
    {
        string dir = Options(profile).ShippedBaseModelFolder();
        var manifest = BaseModelManifest.Read(dir)!;
        Assert.Matches("^[0-9a-f]{64}$", manifest.WeightsSha256);
        Assert.Equal(manifest.WeightsSha256, BaseModelManifest.Sha256Of(Path.Combine(dir, BaseModelManifest.WeightsFile)));
    }

    [Theory]
    [InlineData(ExperimentProfile.Default, "套上4只蓄电池隔热罩，拧紧至6升")]
    [InlineData(ExperimentProfile.Cluener, "浙商银行企业信贷部叶老桂博士则从另一个角度")]
    public void ItLoadsWithTheRecipesShapeAndItsTokenizer(string profile, string sentence)
    {
        string dir = Options(profile).ShippedBaseModelFolder();
        var recipe = BaseModelManifest.Read(dir)!.Recipe;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        using var model = ChatGlmForConditionalGeneration.FromPretrained(dir);
        Assert.Equal(recipe.HiddenSize, model.Config.HiddenSize);
        Assert.Equal(recipe.NumLayers, model.Config.NumLayers);
        Assert.Equal(recipe.InnerHiddenSize, model.Config.InnerHiddenSize);
        var tokenizer = ChatGlmTokenizer.FromPretrained(dir);
        Assert.True(tokenizer.VocabSize <= model.Config.VocabSize, $"tokenizer {tokenizer.VocabSize} pieces, model {model.Config.VocabSize}");
        var ids = tokenizer.Encode(sentence, addSpecialTokens: true);
        Assert.DoesNotContain(tokenizer.UnkId, ids);   // the corpus's characters are in its tokenizer
        var logits = model.forward(new CausalLMInput(tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]))).Logits;
        Assert.False(logits.isnan().any().item<bool>());
    }

    [Theory]
    [InlineData(ExperimentProfile.Default)]
    [InlineData(ExperimentProfile.Cluener)]
    public void TheComparisonUsesItInsteadOfPretraining(string profile)
    {
        using var temp = new TempFiles();
        var options = Options(profile) with { OutputDir = temp.Dir };
        var lines = new List<string>();
        var data = ExperimentData.Prepare(options, lines.Add);
        Assert.Equal(Path.GetFullPath(options.ShippedBaseModelFolder()), Path.GetFullPath(data.BaseModelDir));
        Assert.Contains(lines, l => l.Contains("shipped"));
        Assert.False(Directory.Exists(options.BaseModelCacheFolder()), "nothing is built or cached");
    }
}
