using ChatGlmLab.Kernels;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Quantization;

/// <summary>
/// Fused dequantize-and-multiply for decode: y[m, o] = Σ_j value(q[o, j]) · x[m, j] (+ bias[o]) for 1..<see cref="MaxRows"/>
/// activation rows, computed straight from the stored int8 / packed int4 weight, each packed byte read once.
/// <para>Why: batch-1 decode is memory-bound. Dequantize + matmul writes a float32 copy of the whole matrix and reads
/// it back every call (each way 8× the bytes of an int4 weight, 4× an int8 one), plus the unpacking passes; at real
/// size INT4 decode took 21 s/token against 0.64 s for bf16. Here the only large read is the packed weight.</para>
/// <para>What it equals: <see cref="DequantizationMode.Float32"/> dequantization followed by a matmul in x's dtype
/// (float32 or bfloat16), i.e. the default mode of a float32 or bfloat16 model on CPU, to within float32
/// accumulation order (see <see cref="IFusedWeightValues"/>). <see cref="DequantizationMode.Float16"/> (weights rounded
/// to float16; the default of float16 models, whose float16 matmul is not a CPU path upstream) is not implemented:
/// <see cref="CanMultiply"/> is false there, and for float16 activations, and callers keep dequantize + matmul.</para>
/// <para>Threads: the output rows are split into torch.get_num_threads() contiguous ranges (as many workers as
/// torch would use, and torch is idle meanwhile), one range per worker; the per-call work outside the loop is
/// staging x as float32 (at most 8 rows) and allocating the output.</para>
/// </summary>
public static unsafe class QuantizedMatVec
{
    /// <summary>Largest number of activation rows (after flattening leading dims) the fused kernel takes.</summary>
    public const int MaxRows = DecodeSizedCall.MaxRows;

    /// <summary>
    /// From this many columns (32 KB of float32 x, more than L1 holds) one activation row of an int4 weight runs four
    /// weight rows per pass over x. Measured side by side at real size (2 threads): with 16384 columns (dense_4h_to_h)
    /// 1.45–1.75 ms against 2.04–2.92 ms one row at a time; with 4096 columns, where x stays in L1, the one-row loop is
    /// the faster (0.35–0.39 against 0.45–0.46 ms for 4096 rows, 1.34–1.39 against 2.01–2.22 ms for 16384).
    /// </summary>
    internal const int FourRowMinColumns = 8192;

    /// <summary>
    /// True when the fused kernel computes what dequantize + linear would for this call: <paramref name="mode"/>
    /// Float32, CPU tensors, float32 or bfloat16 activations with at most <see cref="MaxRows"/> rows, contiguous
    /// tensors in the stored layout (int8 weight, float16 scales, bias in x's dtype), and no gradient needed
    /// (the result has no autograd history). Prefill and training take the dequantize + matmul path.
    /// </summary>
    public static bool CanMultiply(Tensor x, Tensor weight, Tensor scale, Tensor? bias, DequantizationMode mode)
    {
        if (mode != DequantizationMode.Float32) return false;
        if (x.dtype is not (ScalarType.Float32 or ScalarType.BFloat16)) return false;
        if (x.device_type != DeviceType.CPU || weight.device_type != DeviceType.CPU || scale.device_type != DeviceType.CPU) return false;
        if (x.dim() < 1 || x.shape[^1] == 0) return false;
        long rows = x.numel() / x.shape[^1];
        if (rows < 1 || rows > MaxRows) return false;
        if (is_grad_enabled() && (x.requires_grad || bias is { requires_grad: true })) return false;
        if (!x.is_contiguous() || !weight.is_contiguous() || !scale.is_contiguous()) return false;
        if (weight.dtype != ScalarType.Int8 || weight.dim() != 2 || scale.dtype != ScalarType.Float16) return false;
        return bias is null || (bias.dtype == x.dtype && bias.device_type == DeviceType.CPU && bias.is_contiguous());
    }

    /// <summary>y = x · dequantize(weight, scale)ᵀ + bias with the widest variant; see <see cref="CanMultiply"/> for the inputs.</summary>
    public static Tensor Multiply(Tensor x, Tensor weight, Tensor scale, Tensor? bias, int bits) =>
        Multiply(x, weight, scale, bias, bits, QuantizedKernelVariants.Best);

    internal static Tensor Multiply(Tensor x, Tensor weight, Tensor scale, Tensor? bias, int bits, QuantizedKernelVariant variant)
    {
        SymmetricRowQuantization.CheckBits(bits);
        if (!CanMultiply(x, weight, scale, bias, DequantizationMode.Float32))
            throw new ArgumentException($"QuantizedMatVec takes contiguous CPU float32/bfloat16 activations of at most {MaxRows} rows without " +
                $"gradient, an int8 weight and float16 scales (got x {x.dtype} [{string.Join(", ", x.shape)}] on {x.device}); " +
                "use Dequantization.Dequantize + linear for other inputs (CanMultiply says which path applies)");
        if (!QuantizedKernelVariants.IsSupported(variant)) throw new PlatformNotSupportedException($"this CPU cannot run the {variant} variant of QuantizedMatVec");
        long inFeatures = x.shape[^1], outFeatures = weight.shape[0];
        if (weight.shape[1] * 8 / bits != inFeatures || scale.shape.Length != 1 || scale.shape[0] != outFeatures || (bias is not null && bias.numel() != outFeatures))
            throw new ArgumentException($"QuantizedMatVec: x has {inFeatures} features but the {bits}-bit weight is [{string.Join(", ", weight.shape)}] " +
                $"(scales [{string.Join(", ", scale.shape)}], bias {(bias is null ? "none" : $"[{string.Join(", ", bias.shape)}]")})");

        var y = empty([.. x.shape[..^1], outFeatures], x.dtype, x.device);
        var job = new RowJob
        {
            Variant = variant,
            Bits = bits,
            BFloat16 = x.dtype == ScalarType.BFloat16,
            Rows = (int)(x.numel() / inFeatures),
            In = checked((int)inFeatures),
            Out = checked((int)outFeatures),
            Weight = TensorMemory.DataPointer(weight),
            Scale = (Half*)TensorMemory.DataPointer(scale),
            Bias = bias is null ? null : TensorMemory.DataPointer(bias),
            Y = TensorMemory.DataPointer(y),
        };
        job.X = StagedActivations.Stage(x, job.Rows, job.In, bits == 4 ? QuantizedKernelVariants.BlockColumns(variant) : 0);

        RowRanges.Run(job.Out, inFeatures, job.Run);
        return y;
    }

    /// <summary>One call's pointers and sizes; <see cref="Run"/> computes output rows [first, end) for every activation row.</summary>
    private struct RowJob
    {
        public QuantizedKernelVariant Variant;
        public int Bits, Rows, In, Out;
        public bool BFloat16;
        public byte* Weight, Bias, Y;
        public Half* Scale;
        public float* X;

        public readonly void Run(int first, int end)
        {
            if (Bits == 4 && BFloat16) Run<Int4Blocks, BFloat16WeightValues>(first, end);
            else if (Bits == 4) Run<Int4Blocks, Float32WeightValues>(first, end);
            else if (BFloat16) Run<Int8Blocks, BFloat16WeightValues>(first, end);
            else Run<Int8Blocks, Float32WeightValues>(first, end);
        }

        // Fully optimised from the first call: the tiered JIT would otherwise run the first ~30 calls (a whole first
        // token at real size) in unoptimised code, tens of times slower.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void Run<TBlocks, TValues>(int first, int end)
            where TBlocks : struct, IPackedWeightBlocks where TValues : struct, IFusedWeightValues
        {
            long rowBytes = (long)In * TBlocks.Bits / 8;
            int o = first;
            // One activation row (decode) of an int4 weight with an x too long for L1: four weight rows per pass over x
            // (see Dot4RowsInt4).
            if (TBlocks.Bits == 4 && Rows == 1 && Variant == QuantizedKernelVariant.Vector512 && In >= FourRowMinColumns)
            {
                float* scales = stackalloc float[4];
                float* sums = stackalloc float[4];
                for (; o + 4 <= end; o += 4)
                {
                    for (int i = 0; i < 4; i++) scales[i] = (float)Scale[o + i];
                    QuantizedRowDot.Dot4RowsInt4<TValues>(Weight + o * rowBytes, rowBytes, X, In, scales, sums);
                    for (int i = 0; i < 4; i++) Store(0, o + i, sums[i] * TValues.SumFactor(scales[i]) + BiasOf(o + i));
                }
            }
            for (; o < end; o++)
            {
                float scale = (float)Scale[o];
                float factor = TValues.SumFactor(scale);
                float bias = BiasOf(o);
                byte* row = Weight + o * rowBytes;
                for (int r = 0; r < Rows; r++)
                    Store(r, o, QuantizedRowDot.Dot<TBlocks, TValues>(Variant, row, X + (long)r * In, In, scale) * factor + bias);
            }
        }

        private readonly float BiasOf(int o) => Bias == null ? 0f : BFloat16 ? BFloat16Rounding.FromBits(((ushort*)Bias)[o]) : ((float*)Bias)[o];

        private readonly void Store(int r, int o, float value)
        {
            long at = (long)r * Out + o;
            if (BFloat16) ((ushort*)Y)[at] = BFloat16Rounding.ToBits(value);
            else ((float*)Y)[at] = value;
        }
    }
}
