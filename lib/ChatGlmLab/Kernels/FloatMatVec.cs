using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Kernels;

/// <summary>
/// y[m, o] = Σ_j w[o, j] · x[m, j] (+ bias[o]) for 1..<see cref="MaxRows"/> activation rows and a float32 or bfloat16
/// weight (x and bias in the weight's dtype): the linear of batch-1 decode, read straight from the weight's memory.
/// <para>Why: decode reads every weight once per token, so it is bound by memory bandwidth, and libtorch's CPU
/// matrix-vector product does not reach it everywhere: on this kit's AMD EPYC machine its bfloat16 product (the
/// lm_head of a quantized model, 1.07 GB per token at real size; every linear of a bf16 model) ran at ~1.7–1.9× the
/// bandwidth limit, and float32 decode of the mid-size model was no faster than upstream PyTorch's. Here the only
/// large read is the weight, at one load and (bfloat16) one widening per 16 weights.</para>
/// <para>What it equals: torch's linear in that dtype to within float32 accumulation order. Both accumulate the
/// exact products (a bfloat16 × bfloat16 product is exact in float32) in float32 and round the result to the output
/// dtype once.</para>
/// <para>Threads: the output rows are split between torch.get_num_threads() workers (<see cref="RowRanges"/>).</para>
/// </summary>
public static unsafe class FloatMatVec
{
    /// <summary>Largest number of activation rows (after flattening leading dims) the kernel takes.</summary>
    public const int MaxRows = DecodeSizedCall.MaxRows;

    /// <summary>
    /// True when this kernel computes the call: CPU, contiguous float32 or bfloat16 tensors of one dtype, a 2-D weight
    /// [out, in] matching x's last dim, at most <see cref="MaxRows"/> rows, and no gradient needed (the result has no
    /// autograd history). Prefill and training keep torch's matmul.
    /// </summary>
    public static bool CanMultiply(Tensor x, Tensor weight, Tensor? bias)
    {
        if (x.dtype is not (ScalarType.Float32 or ScalarType.BFloat16) || weight.dtype != x.dtype) return false;
        if (x.device_type != DeviceType.CPU || weight.device_type != DeviceType.CPU) return false;
        if (x.dim() < 1 || weight.dim() != 2 || x.shape[^1] == 0 || weight.shape[1] != x.shape[^1]) return false;
        long rows = x.numel() / x.shape[^1];
        if (rows < 1 || rows > MaxRows) return false;
        if (is_grad_enabled() && (x.requires_grad || weight.requires_grad || bias is { requires_grad: true })) return false;
        if (!x.is_contiguous() || !weight.is_contiguous()) return false;
        return bias is null || (bias.dtype == x.dtype && bias.device_type == DeviceType.CPU && bias.is_contiguous() && bias.numel() == weight.shape[0]);
    }

    /// <summary>y = x · weightᵀ + bias; see <see cref="CanMultiply"/> for the inputs.</summary>
    public static Tensor Multiply(Tensor x, Tensor weight, Tensor? bias)
    {
        if (!CanMultiply(x, weight, bias))
            throw new ArgumentException($"FloatMatVec takes contiguous CPU float32/bfloat16 activations of at most {MaxRows} rows without gradient " +
                $"and a weight and bias of the same dtype (got x {x.dtype} [{string.Join(", ", x.shape)}], weight {weight.dtype} " +
                $"[{string.Join(", ", weight.shape)}]); use nn.functional.linear for other inputs (CanMultiply says which path applies)");
        var y = empty([.. x.shape[..^1], weight.shape[0]], x.dtype, x.device);
        var job = new RowJob
        {
            BFloat16 = x.dtype == ScalarType.BFloat16,
            Rows = (int)(x.numel() / x.shape[^1]),
            In = checked((int)x.shape[^1]),
            Out = checked((int)weight.shape[0]),
            Weight = TensorMemory.DataPointer(weight),
            Bias = bias is null ? null : TensorMemory.DataPointer(bias),
            Y = TensorMemory.DataPointer(y),
        };
        job.X = StagedActivations.Stage(x, job.Rows, job.In);
        RowRanges.Run(job.Out, job.In, job.Run);
        return y;
    }

    /// <summary>One call's pointers and sizes; <see cref="Run"/> computes output rows [first, end) for every activation row.</summary>
    private struct RowJob
    {
        public bool BFloat16;
        public int Rows, In, Out;
        public byte* Weight, Bias, Y;
        public float* X;

        // Fully optimised from the first call (the tiered JIT would run the first calls unoptimised).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Run(int first, int end)
        {
            for (int o = first; o < end; o++)
            {
                float bias = Bias == null ? 0f : BFloat16 ? BFloat16Rounding.FromBits(((ushort*)Bias)[o]) : ((float*)Bias)[o];
                for (int r = 0; r < Rows; r++)
                {
                    float* x = X + (long)r * In;
                    float value = (BFloat16 ? Dot<BFloat16Weights>((ushort*)Weight + (long)o * In, x, In) : Dot<Float32Weights>((float*)Weight + (long)o * In, x, In)) + bias;
                    long at = (long)r * Out + o;
                    if (BFloat16) ((ushort*)Y)[at] = BFloat16Rounding.ToBits(value);
                    else ((float*)Y)[at] = value;
                }
            }
        }
    }

    // Four independent FMA chains of 16 (8) columns: with one chain the loop waits on the FMA latency instead of on memory.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot<TWeights>(void* w, float* x, int n) where TWeights : struct, IFloatWeights
    {
        int c = 0;
        float sum = 0f;
        if (Avx512F.IsSupported && Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; c + 64 <= n; c += 64)
            {
                a0 = Vector512.FusedMultiplyAdd(TWeights.Load512(w, c), Vector512.Load(x + c), a0);
                a1 = Vector512.FusedMultiplyAdd(TWeights.Load512(w, c + 16), Vector512.Load(x + c + 16), a1);
                a2 = Vector512.FusedMultiplyAdd(TWeights.Load512(w, c + 32), Vector512.Load(x + c + 32), a2);
                a3 = Vector512.FusedMultiplyAdd(TWeights.Load512(w, c + 48), Vector512.Load(x + c + 48), a3);
            }
            sum = Vector512.Sum((a0 + a1) + (a2 + a3));
        }
        else if (Avx2.IsSupported && Vector256.IsHardwareAccelerated)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; c + 32 <= n; c += 32)
            {
                a0 = Vector256.FusedMultiplyAdd(TWeights.Load256(w, c), Vector256.Load(x + c), a0);
                a1 = Vector256.FusedMultiplyAdd(TWeights.Load256(w, c + 8), Vector256.Load(x + c + 8), a1);
                a2 = Vector256.FusedMultiplyAdd(TWeights.Load256(w, c + 16), Vector256.Load(x + c + 16), a2);
                a3 = Vector256.FusedMultiplyAdd(TWeights.Load256(w, c + 24), Vector256.Load(x + c + 24), a3);
            }
            sum = Vector256.Sum((a0 + a1) + (a2 + a3));
        }
        for (; c < n; c++) sum += TWeights.Load(w, c) * x[c];
        return sum;
    }

    /// <summary>How a weight row's elements are read as float32 (exactly); structs, so the JIT compiles one loop per dtype.</summary>
    private interface IFloatWeights
    {
        static abstract Vector512<float> Load512(void* row, int column);
        static abstract Vector256<float> Load256(void* row, int column);
        static abstract float Load(void* row, int column);
    }

    private struct Float32Weights : IFloatWeights
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load512(void* row, int column) => Vector512.Load((float*)row + column);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load256(void* row, int column) => Vector256.Load((float*)row + column);
        public static float Load(void* row, int column) => ((float*)row)[column];
    }

    /// <summary>A bfloat16 is the upper half of a float32: zero-extend 16 (8) of them to 32-bit lanes and shift them up.</summary>
    private struct BFloat16Weights : IFloatWeights
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load512(void* row, int column) =>
            (Avx512F.ConvertToVector512Int32(Vector256.Load((ushort*)row + column)) << 16).AsSingle();
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load256(void* row, int column) =>
            (Avx2.ConvertToVector256Int32(Vector128.Load((ushort*)row + column)) << 16).AsSingle();
        public static float Load(void* row, int column) => BFloat16Rounding.FromBits(((ushort*)row)[column]);
    }
}
