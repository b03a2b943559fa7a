using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Runtime;

/// <summary>
/// Which dtype the kit's multi-row linears compute in: float32 for bfloat16 activations on a CPU that emulates bfloat16
/// matmuls, the activations' own dtype everywhere else.
/// <para>Why: a CPU without bf16 instructions (<see cref="BFloat16Support"/>) runs a bf16 matmul by converting it to
/// float32 and back, at a fraction of float32's speed. On an Intel Xeon with AVX-512 but no AVX512-BF16, `bench
/// realsize` measured matmuls at 289 GFLOP/s in float32 and 61 in bf16, and prefilled the INT4 chatglm-6b at 5.1
/// tokens/s, the bf16 limit. bf16 stays the storage type there (what makes the quantized model fit: float32 embeddings and
/// lm_head would add 2.1 GB); only the arithmetic of prefill's linears widens. The result is rounded to bf16 once, as a
/// bf16 matmul's is; a quantized weight is dequantized straight into float32, exactly (upstream's CPU path, see
/// <c>DequantizationMode.Float32</c>), instead of being rounded to bf16 first.</para>
/// <para>Decode-sized calls have their own kernels (Kernels/FloatMatVec, Quantization/QuantizedMatVec), which already
/// read bf16 and compute in float32. In training, frozen weights widen too, through autograd nodes that keep only the
/// 16-bit or quantized weight and widen it again in backward (Kernels/WidenedLinearFunction,
/// Quantization/DequantizedLinearFunction); a bf16 weight that trains keeps libtorch's bf16 matmul.</para>
/// </summary>
public static class MatmulPrecision
{
    /// <summary>Whether bf16 matmuls on the CPU widen to float32 on this thread: <see cref="Widening"/>'s choice inside one,
    /// else whether this CPU lacks bf16 instructions.</summary>
    public static bool WidenCpuBFloat16 => _widening ?? !BFloat16Support.IsNative(DeviceType.CPU);

    [ThreadStatic] private static bool? _widening;

    /// <summary>
    /// Decides <see cref="WidenCpuBFloat16"/> on this thread until disposed, so that a benchmark or a test can run both
    /// paths side by side in one process (per thread: tests running in parallel do not see each other's choice).
    /// </summary>
    public static IDisposable Widening(bool widen)
    {
        var previous = _widening;
        _widening = widen;
        return new Restore(() => _widening = previous);
    }

    /// <summary>The dtype a matmul on the activations <paramref name="x"/> computes in.</summary>
    public static ScalarType ComputeType(Tensor x) => ComputeType(x.dtype, x.device_type);

    /// <summary>The dtype a matmul on activations of <paramref name="dtype"/> on <paramref name="device"/> computes in.</summary>
    public static ScalarType ComputeType(ScalarType dtype, DeviceType device) =>
        dtype == ScalarType.BFloat16 && device == DeviceType.CPU && WidenCpuBFloat16 ? ScalarType.Float32 : dtype;

    /// <summary>
    /// linear(x, weight, bias) computed in the weight's dtype (the one <see cref="ComputeType(Tensor)"/> chose and the weight was
    /// dequantized or widened into): x and the bias are taken to it, and the result back to x's dtype, rounded once.
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        if (weight.dtype == x.dtype) return nn.functional.linear(x, weight, bias);
        using var scope = NewDisposeScope();
        return nn.functional.linear(x.to(weight.dtype), weight, bias?.to(weight.dtype)).to(x.dtype).MoveToOuterDisposeScope();
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
