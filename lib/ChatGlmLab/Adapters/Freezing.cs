using ChatGlmLab.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Adapters;

/// <summary>
/// The freezing pass, separate from any structural change: decides per parameter name whether it
/// trains. Also the Freeze method's layer selection.
/// </summary>
public static class Freezing
{
    public static void SetTrainable(nn.Module model, Func<string, bool> isTrainable)
    {
        foreach (var (name, p) in model.named_parameters())
            p.requires_grad = isTrainable(name);
    }

    /// <summary>
    /// The Freeze method's trainable name fragments: "layers.{i}.mlp" or "layers.{i}.attention.query_key_value"
    /// for the last n blocks (n &gt; 0) or the first -n blocks (n &lt; 0).
    /// The Python toolkit writes the last-n ids as 27 - k, i.e. it assumes chatglm-6b's 28 layers; we use
    /// num_layers - 1 - k, which is the same for chatglm-6b and also right for smaller models.
    /// </summary>
    public static IReadOnlyList<string> FreezeTrainableFragments(int numLayers, int numLayerTrainable, string nameModuleTrainable)
    {
        if (Math.Abs(numLayerTrainable) > numLayers)
            throw new ArgumentException($"num_layer_trainable {numLayerTrainable} exceeds the model's {numLayers} layers");
        var ids = numLayerTrainable > 0
            ? Enumerable.Range(0, numLayerTrainable).Select(k => numLayers - 1 - k)
            : Enumerable.Range(0, -numLayerTrainable);
        string module = nameModuleTrainable switch
        {
            "mlp" => "mlp",
            "qkv" => "attention.query_key_value",
            _ => throw new ArgumentException($"name_module_trainable '{nameModuleTrainable}' is not one of mlp, qkv"),
        };
        // A trailing dot keeps "layers.1.mlp." from matching "layers.11.mlp.".
        return ids.Select(i => $"layers.{i}.{module}.").ToList();
    }

    /// <summary>
    /// Freeze on a quantized base: the block linears (by state-dict prefix) it trains, which must load in float because
    /// quantized weights cannot train (<see cref="ModelLoadOptions.KeepFloat"/>); every other block stays quantized.
    /// </summary>
    public static Func<string, bool> FreezeTrainedLinears(int numLayers, FinetuningOptions options)
    {
        var fragments = FreezeTrainableFragments(numLayers, options.NumLayerTrainable, options.NameModuleTrainable);
        return prefix => fragments.Any(f => (prefix + ".").Contains(f, StringComparison.Ordinal));
    }
}

/// <summary>The trainable-parameter report of the Python toolkit, as data.</summary>
public sealed record TrainableParameters(long Trainable, long All)
{
    public double Percent => All == 0 ? 0 : 100.0 * Trainable / All;

    public static TrainableParameters Of(nn.Module model)
    {
        long trainable = 0, all = 0;
        foreach (var p in model.parameters())
        {
            all += p.numel();
            if (p.requires_grad) trainable += p.numel();
        }
        // A quantized linear holds its weight packed in a buffer, not a parameter: count the float weight it stands
        // for, so a quantized model reports the same "all params" as its float original (as the toolkit prints it).
        foreach (var (_, module) in model.named_modules())
            if (module is IPackedLinear packed) all += packed.InFeatures * packed.OutFeatures;
        return new TrainableParameters(trainable, all);
    }

    public override string ToString() => $"trainable params: {Trainable} || all params: {All} || trainable%: {Percent:F4}";
}
