using System.Reflection;
using ChatGlmLab.Datasets;
using ChatGlmLab.Experiments;

namespace ChatGlmLab.Tests.Experiments;

/// <summary>The small base model's cache key is the content of what it is built from, not a hand-bumped version.</summary>
public sealed class BaseModelCacheKeyTests
{
    private static readonly string[] Sentences = ["更换3号机组的液压泵密封圈", "检查主轴承温度传感器"];
    private static readonly InstructionRecord[] Records =
        [new("你现在是一个命名实体识别模型", "更换3号机组的液压泵密封圈", "设备", [("问", "答")])];

    private static string Key(BaseModelRecipe recipe, IReadOnlyList<string>? sentences = null, IReadOnlyList<InstructionRecord>? records = null) =>
        BaseModelCacheKey.Of(recipe, sentences ?? Sentences, records ?? Records);

    [Fact]
    public void EqualRecipesAndDataGiveEqualKeys()
    {
        Assert.Equal(Key(new BaseModelRecipe()), Key(new BaseModelRecipe()));
        var tiny = ExperimentProfile.Options(ExperimentProfile.Tiny, "a").BaseModel;
        Assert.Equal(Key(tiny), Key(ExperimentProfile.Options(ExperimentProfile.Tiny, "b").BaseModel));
        Assert.NotEqual(Key(tiny), Key(new BaseModelRecipe()));
    }

    /// <summary>Every property of the recipe and of its curriculum, found by reflection, so a field added later is covered too.</summary>
    [Fact]
    public void ChangingAnyRecipeFieldChangesTheKey()
    {
        var recipe = new BaseModelRecipe();
        string key = Key(recipe);
        var changed = new List<string>();
        foreach (var property in typeof(BaseModelRecipe).GetProperties())
        {
            if (property.PropertyType == typeof(PretrainingCurriculum))
            {
                foreach (var inner in typeof(PretrainingCurriculum).GetProperties())
                {
                    var curriculum = With(recipe.Curriculum, inner);
                    Assert.True(Key(recipe with { Curriculum = curriculum }) != key, $"Curriculum.{inner.Name} is not in the key");
                    changed.Add($"Curriculum.{inner.Name}");
                }
                continue;
            }
            Assert.True(Key(With(recipe, property)) != key, $"{property.Name} is not in the key");
            changed.Add(property.Name);
        }
        Assert.Contains(nameof(BaseModelRecipe.HiddenSize), changed);
        Assert.Contains(nameof(BaseModelRecipe.Seed), changed);
        Assert.Contains($"Curriculum.{nameof(PretrainingCurriculum.MaxScrambledLength)}", changed);
    }

    [Fact]
    public void TheSeedAndTheDataAreInTheKey()
    {
        var recipe = new BaseModelRecipe();
        string key = Key(recipe);
        Assert.NotEqual(key, Key(recipe with { Seed = 43 }));
        Assert.NotEqual(key, Key(recipe, sentences: [.. Sentences, "再加一句"]));
        Assert.NotEqual(key, Key(recipe, records: [Records[0] with { Output = "部件" }]));
        Assert.NotEqual(key, Key(recipe, records: [Records[0] with { History = [("问", "另一个答")] }]));
    }

    /// <summary>A copy of <paramref name="value"/> (the record's clone) with <paramref name="property"/> changed.</summary>
    private static T With<T>(T value, PropertyInfo property) where T : class
    {
        var copy = (T)typeof(T).GetMethod("<Clone>$")!.Invoke(value, null)!;
        object current = property.GetValue(value)!;
        object next = current switch
        {
            int i => i + 1,
            double d => d * 1.5,
            bool b => !b,
            string s => s + "x",
            _ => throw new NotSupportedException($"{typeof(T).Name}.{property.Name}: a {current.GetType().Name}; add a change for it here"),
        };
        property.SetValue(copy, next);
        return copy;
    }
}
