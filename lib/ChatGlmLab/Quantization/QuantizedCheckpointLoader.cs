using ChatGlmLab.Checkpoints;
using ChatGlmLab.Modeling;
using static TorchSharp.torch;

namespace ChatGlmLab.Quantization;

/// <summary>
/// Loads weights into a model whose block linears are <see cref="QuantizedLinear"/> slots, from either
/// <list type="bullet">
/// <item>an already-quantized checkpoint (int8 <c>weight</c> + float16 <c>weight_scale</c>, e.g. a
/// <c>quantization_bit</c> model directory), copied as is; or</item>
/// <item>a float checkpoint, quantized on load: each float weight is quantized in its stored dtype
/// (see <see cref="SymmetricRowQuantization"/>) while it is read, then released, so the float model is
/// never in memory as a whole (at most one float matrix at a time).</item>
/// </list>
/// The layout of every quantized key is checked before anything is loaded, so that a wrong shape, a wrong
/// dtype or a missing scale is reported with the file and key instead of surfacing halfway through.
/// </summary>
public static class QuantizedCheckpointLoader
{
    public const string WeightSuffix = ".weight";
    public const string ScaleSuffix = ".weight_scale";

    public static CheckpointLoadReport LoadInto(ChatGlmForConditionalGeneration model, string modelDir)
    {
        var slots = Quantizer.QuantizedLinears(model).ToDictionary(s => s.Prefix, s => s.Layer);
        if (slots.Count == 0) throw new InvalidOperationException("the model has no quantized linears (construct it with quantization_bit set)");

        CheckLayout(slots, modelDir);

        var customKeys = slots.Keys.SelectMany(p => new[] { p + WeightSuffix, p + ScaleSuffix }).ToHashSet();
        var computedScales = new HashSet<string>();

        bool Sink(CheckpointTensor source, Tensor value)
        {
            string where = $"{source.File}: '{source.Name}'";
            if (source.Name.EndsWith(ScaleSuffix, StringComparison.Ordinal))
            {
                slots[source.Name[..^ScaleSuffix.Length]].SetScale(value, where);
                return true;
            }
            string prefix = source.Name[..^WeightSuffix.Length];
            var layer = slots[prefix];
            if (value.is_floating_point())
            {
                // Quantized in the dtype stored in the checkpoint, NOT converted to the model's dtype first:
                // the int weights are then a property of the checkpoint, the same for an fp32, fp16 or bf16 model.
                // Real checkpoints are fp16 and upstream quantizes them with fp16 arithmetic
                // (model.half().quantize(bits), case7 from_fp16); upcasting to fp32 first would give other
                // scales and levels (from_fp32). An fp32 checkpoint keeps the fp32 rule (from_fp32).
                layer.SetFromFloat(value, where);
                computedScales.Add(prefix + ScaleSuffix);
            }
            else layer.SetQuantizedWeight(value, where);
            return true;
        }

        return CheckpointLoader.LoadInto(model, modelDir, Sink, customKeys, computedScales);
    }

    /// <summary>Checks every quantized slot's tensors (names, shapes, dtypes) from the files' headers only.</summary>
    private static void CheckLayout(IReadOnlyDictionary<string, QuantizedLinear> slots, string modelDir)
    {
        var found = new Dictionary<string, (long[] Shape, ScalarType DType, string File)>();
        foreach (var path in CheckpointLoader.FindWeightFiles(modelDir))
        {
            using var file = CheckpointLoader.Open(path);
            foreach (var t in file.Tensors) found[t.Name] = (t.Shape, t.DType, path);
        }

        foreach (var (prefix, layer) in slots)
        {
            string weightKey = prefix + WeightSuffix, scaleKey = prefix + ScaleSuffix;
            if (!found.TryGetValue(weightKey, out var w)) continue; // reported by the loader as a missing key
            bool hasScale = found.TryGetValue(scaleKey, out var s);

            if (IsFloat(w.DType))
            {
                if (!w.Shape.SequenceEqual([layer.OutFeatures, layer.InFeatures]))
                    throw new InvalidDataException($"{w.File}: '{weightKey}' has shape {Shape(w.Shape)} but the model expects " +
                        $"{Shape([layer.OutFeatures, layer.InFeatures])} (does config.json match the weights?)");
                if (hasScale)
                    throw new InvalidDataException($"{s.File}: '{scaleKey}' is present but '{weightKey}' in {w.File} is a float " +
                        $"{w.DType} weight, not a quantized one");
                continue;
            }

            if (w.DType != ScalarType.Int8)
                throw new InvalidDataException($"{w.File}: '{weightKey}' is {w.DType}; a quantized weight is int8 and a float one is floating point");
            if (!w.Shape.SequenceEqual(layer.StoredWeightShape))
            {
                int otherBits = layer.Bits == 8 ? 4 : 8;
                string hint = w.Shape.Length == 2 && w.Shape[0] == layer.OutFeatures && w.Shape[1] == layer.InFeatures * otherBits / 8
                    ? $"; that is the {otherBits}-bit layout, but the model is {layer.Bits}-bit (does quantization_bit in config.json match the weights?)"
                    : " (does config.json match the weights?)";
                throw new InvalidDataException($"{w.File}: '{weightKey}' has shape {Shape(w.Shape)} but a {layer.Bits}-bit QuantizedLinear " +
                    $"{layer.InFeatures}->{layer.OutFeatures} stores {Shape(layer.StoredWeightShape)}{hint}");
            }
            if (!hasScale)
                throw new InvalidDataException($"{w.File}: '{weightKey}' is quantized (int8) but its scale '{scaleKey}' is in none of the weight files of {modelDir}");
            if (!IsFloat(s.DType) || !s.Shape.SequenceEqual([layer.OutFeatures]))
                throw new InvalidDataException($"{s.File}: '{scaleKey}' is {s.DType} {Shape(s.Shape)} but must be floating point [{layer.OutFeatures}] (one scale per output row)");
        }
    }

    private static bool IsFloat(ScalarType t) => t is ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float64;
    private static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";
}
