using ChatGlmLab.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Quantization;

/// <summary>
/// ChatGLM's structural quantization pass (upstream <c>model.quantize(bits)</c>): the four linears of
/// every GLMBlock — attention.query_key_value, attention.dense, mlp.dense_h_to_4h, mlp.dense_4h_to_h —
/// become <see cref="QuantizedLinear"/>; embeddings, LayerNorms and lm_head stay float.
/// </summary>
public static class Quantizer
{
    /// <summary>The quantized linears' paths inside a GLMBlock, as in the state-dict keys.</summary>
    public static readonly string[] BlockLinearNames =
        ["attention.query_key_value", "attention.dense", "mlp.dense_h_to_4h", "mlp.dense_4h_to_h"];

    /// <summary>
    /// A model whose block linears are empty quantized slots (no float weight is allocated for them), what upstream's
    /// __init__ builds for a config with quantization_bit (quantize(..., empty_init=True)). The bits are the config's
    /// quantization_bit, or <paramref name="bits"/> — then recorded in the config, so that a saved config says how
    /// its weights are stored, as upstream's does.
    /// </summary>
    /// <param name="config">The model's config; its quantization_bit is set to the bits used.</param>
    /// <param name="factory">Where and how the other parameters are allocated; its <see cref="ModuleFactory.BlockLinear"/> is replaced.</param>
    /// <param name="bits">4 or 8; null = the config's quantization_bit (one of the two is required, and they must agree).</param>
    /// <param name="keepFloat">Block linears (by state-dict prefix) to keep in float, e.g. the ones Freeze trains.</param>
    public static ChatGlmForConditionalGeneration CreateModel(ChatGlmConfig config, ModuleFactory factory, int? bits = null, Func<string, bool>? keepFloat = null)
    {
        if (config.QuantizationBit is int stored && bits is int requested && stored != requested)
            throw new ArgumentException($"config quantization_bit {stored} conflicts with the requested {requested} bits");
        int chosen = bits ?? config.QuantizationBit
            ?? throw new ArgumentException("the config has no quantization_bit: give the bits, or construct a float model with new ChatGlmForConditionalGeneration");
        var slots = QuantizedLinear.SlotFactory(chosen, keepFloat);   // checks the bits before the config records them
        config.QuantizationBit = chosen;
        return new ChatGlmForConditionalGeneration(config, factory with { BlockLinear = slots });
    }

    /// <summary>
    /// Replaces the four float linears of every block by quantized ones (quantizing their current weights,
    /// one layer at a time; each float weight is released as soon as it is replaced) and records
    /// <c>quantization_bit</c> in the model's config, as upstream does.
    /// </summary>
    public static void Quantize(ChatGlmForConditionalGeneration model, int bits)
    {
        SymmetricRowQuantization.CheckBits(bits);
        var layers = model.transformer.layers;
        for (int i = 0; i < layers.Count; i++)
        {
            var block = layers[i];
            block.attention.query_key_value = Replace(block.attention, nameof(SelfAttention.query_key_value), block.attention.query_key_value, bits, i);
            block.attention.dense = Replace(block.attention, nameof(SelfAttention.dense), block.attention.dense, bits, i);
            block.mlp.dense_h_to_4h = Replace(block.mlp, nameof(GLU.dense_h_to_4h), block.mlp.dense_h_to_4h, bits, i);
            block.mlp.dense_4h_to_h = Replace(block.mlp, nameof(GLU.dense_4h_to_h), block.mlp.dense_4h_to_h, bits, i);
        }
        model.Config.QuantizationBit = bits;
    }

    /// <summary>Every quantized linear with its state-dict prefix ("transformer.layers.0.attention.dense").</summary>
    public static IEnumerable<(string Prefix, QuantizedLinear Layer)> QuantizedLinears(ChatGlmForConditionalGeneration model)
    {
        var layers = model.transformer.layers;
        for (int i = 0; i < layers.Count; i++)
        {
            var block = layers[i];
            nn.Module<Tensor, Tensor>[] slots = [block.attention.query_key_value, block.attention.dense, block.mlp.dense_h_to_4h, block.mlp.dense_4h_to_h];
            for (int j = 0; j < slots.Length; j++)
                if (slots[j] is QuantizedLinear q) yield return ($"transformer.layers.{i}.{BlockLinearNames[j]}", q);
        }
    }

    /// <summary>Selects the dequantization of every quantized linear (null = the default for the compute dtype).</summary>
    public static void SetDequantizationMode(ChatGlmForConditionalGeneration model, DequantizationMode? mode)
    {
        foreach (var (_, layer) in QuantizedLinears(model)) layer.Mode = mode;
    }

    private static QuantizedLinear Replace(nn.Module parent, string name, nn.Module<Tensor, Tensor> current, int bits, int layerIndex)
    {
        if (current is QuantizedLinear)
            throw new InvalidOperationException($"transformer.layers.{layerIndex}: '{name}' is already quantized; quantize a float model");
        if (current is not Linear linear)
            throw new InvalidOperationException(
                $"transformer.layers.{layerIndex}: '{name}' is a {current.GetType().Name}, not a float Linear; quantize before attaching adapters");
        QuantizedLinear quantized;
        using (no_grad()) quantized = QuantizedLinear.FromLinear(linear, bits);
        // Swap the registered submodule too, so state_dict/parameters/to() see the new layer.
        parent.register_module(name, null!);
        parent.register_module(name, quantized);
        linear.Dispose();
        return quantized;
    }
}
