using ChatGlmLab.Adapters;
using ChatGlmLab.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Training;

/// <summary>
/// bf16/fp16 training: the model computes in the low-precision type (on this CPU bf16 matmuls are ~4×
/// faster than fp32) while every trainable parameter keeps float32 master values in the optimizer.
/// LoRA adapters and the P-Tuning prefix encoder stay float32 in the model: they already compute in
/// their own dtype and cast their outputs, so their gradients arrive in float32 directly.
/// </summary>
public static class MixedPrecision
{
    /// <summary>The compute dtype the arguments ask for, or null for "as loaded".</summary>
    public static ScalarType? ComputeType(TrainingArguments args) =>
        args.Bf16 ? ScalarType.BFloat16 : args.Fp16 ? ScalarType.Float16 : null;

    /// <summary>
    /// Casts the model to <paramref name="dtype"/> except LoRA and the prefix encoder, keeping which
    /// parameters train. Returns float32 copies of the trainable parameters that were cast, so their
    /// masters start from the exact float32 values rather than from rounded ones.
    /// </summary>
    public static Dictionary<string, Tensor> CastForCompute(ChatGlmForConditionalGeneration model, ScalarType dtype)
    {
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToHashSet(StringComparer.Ordinal);
        var originals = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (no_grad())
        {
            foreach (var (name, p) in model.named_parameters())
                if (p.requires_grad && p.dtype == ScalarType.Float32 && !StaysFloat32(name))
                    originals[name] = p.detach().clone().DetachFromDisposeScope();
        }

        model.to(dtype);
        foreach (var (_, adapter) in Lora.Adapters(model))
        {
            adapter.lora_A.to(ScalarType.Float32);
            adapter.lora_B.to(ScalarType.Float32);
        }
        model.transformer.prefix_encoder?.to(ScalarType.Float32);

        // Conversion creates new parameter objects; make sure the trainable set is unchanged.
        foreach (var (name, p) in model.named_parameters())
            p.requires_grad = trainable.Contains(name);
        return originals;
    }

    /// <summary>Parameters of modules that compute in float32 whatever the model's dtype.</summary>
    public static bool StaysFloat32(string name) =>
        name.Contains(".lora_A.", StringComparison.Ordinal) || name.Contains(".lora_B.", StringComparison.Ordinal) ||
        name.StartsWith(PrefixTuning.KeyPrefix, StringComparison.Ordinal);
}
