using ChatGlmLab.Kernels;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Quantization;

/// <summary>
/// <see cref="Dequantization.Dequantize"/> on CPU: reads the stored int8 / packed int4 weight once and writes each
/// float of the output matrix once, straight into a tensor allocated by torch, with the same bits as the torch-op
/// version (unpack, <c>.to(product dtype)</c>, <c>mul_(scale)</c>, <c>.to(compute dtype)</c>).
/// <para>Why: the torch-op version makes five passes over the matrix (two nibble passes, a stack, a cast, the multiply,
/// plus a cast for bfloat16), each through a temporary as large as or larger than the input; prefill and training
/// dequantize every block linear on every forward and again in backward, so this was the bulk of their time.</para>
/// <para>Per element: level q (unpacked with <see cref="IPackedWeightBlocks"/>, the fused decode kernel's rule), exact
/// float32 product q·s with the row's scale as the product dtype sees it, the mode's rounding
/// (<see cref="IDequantizedProducts"/>), then the output dtype's (<see cref="IDequantizedOutputs"/>).</para>
/// <para>Threads: rows split into torch.get_num_threads() contiguous ranges (<see cref="RowRanges"/>).</para>
/// </summary>
internal static unsafe class DequantizationKernel
{
    /// <summary>
    /// True when this kernel handles the call: CPU tensors, an int8 [out, in·bits/8] weight, one floating scale per row,
    /// and a float32 / bfloat16 / float16 result. Anything else (other devices, float64) keeps the torch ops.
    /// </summary>
    public static bool CanDequantize(Tensor weight, Tensor scale, int bits, ScalarType computeDType) =>
        weight.device_type == DeviceType.CPU && scale.device_type == DeviceType.CPU
        && weight.dtype == ScalarType.Int8 && weight.dim() == 2
        && scale.dim() == 1 && scale.shape[0] == weight.shape[0] && scale.is_floating_point()
        && computeDType is ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16
        && weight.shape[1] * 8 / bits <= int.MaxValue;

    /// <summary>Dequantizes with <paramref name="variant"/> (tests run each one; callers use the best).</summary>
    /// <param name="weight">The stored int8 weight [out, in·bits/8] on CPU (two 4-bit levels per byte when <paramref name="bits"/> is 4).</param>
    /// <param name="scale">One floating scale per output row [out], on CPU.</param>
    /// <param name="bits">4 or 8.</param>
    /// <param name="mode">The product's rounding: exact float32, or float16 as upstream's half path.</param>
    /// <param name="computeDType">The result's dtype: float32, bfloat16 or float16.</param>
    /// <param name="variant">The instruction set to run with; one this CPU lacks throws <see cref="PlatformNotSupportedException"/>.</param>
    /// <param name="into">A contiguous [out, in] tensor of <paramref name="computeDType"/> to write into (e.g. a scratch buffer); null allocates one.</param>
    public static Tensor Dequantize(Tensor weight, Tensor scale, int bits, DequantizationMode mode, ScalarType computeDType, QuantizedKernelVariant variant,
        Tensor? into = null)
    {
        SymmetricRowQuantization.CheckBits(bits);
        if (!CanDequantize(weight, scale, bits, computeDType))
            throw new ArgumentException($"DequantizationKernel takes a CPU int8 [out, in·bits/8] weight with one scale per row and a float32/bfloat16/float16 " +
                $"result (got weight {weight.dtype} [{string.Join(", ", weight.shape)}] on {weight.device}, scale {scale.dtype} [{string.Join(", ", scale.shape)}], {computeDType})");
        if (!QuantizedKernelVariants.IsSupported(variant)) throw new PlatformNotSupportedException($"this CPU cannot run the {variant} variant of DequantizationKernel");

        using var scope = NewDisposeScope();
        var stored = weight.contiguous();
        // The scale as the product dtype holds it (a float16 scale is exact in both; a bfloat16 or float32 one is rounded
        // to float16 in Float16 mode, as the torch-op version's scale.to(float16)), widened exactly to float32.
        var productDType = mode == DequantizationMode.Float16 ? ScalarType.Float16 : ScalarType.Float32;
        var scales = scale.to(productDType).to(ScalarType.Float32).contiguous();
        long rows = stored.shape[0], columns = stored.shape[1] * 8 / bits;
        var output = into ?? empty([rows, columns], computeDType);
        if (into is not null && (!into.shape.SequenceEqual([rows, columns]) || into.dtype != computeDType || !into.is_contiguous()))
            throw new ArgumentException($"DequantizationKernel: the destination must be a contiguous {computeDType} [{rows}, {columns}] tensor");

        var job = new RowJob
        {
            Variant = variant,
            Bits = bits,
            Mode = mode,
            Output = computeDType,
            Columns = (int)columns,
            Weight = TensorMemory.DataPointer(stored),
            Scales = (float*)TensorMemory.DataPointer(scales),
            Destination = TensorMemory.DataPointer(output),
        };
        if (rows > 0 && columns > 0) RowRanges.Run(checked((int)rows), columns, job.Run);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>One call's pointers and sizes; <see cref="Run"/> writes output rows [first, end).</summary>
    private struct RowJob
    {
        public QuantizedKernelVariant Variant;
        public int Bits, Columns;
        public DequantizationMode Mode;
        public ScalarType Output;
        public byte* Weight, Destination;
        public float* Scales;

        // One specialised loop per layout × mode × output dtype, chosen once per range.
        public readonly void Run(int first, int end)
        {
            if (Bits == 4) Run<Int4Blocks>(first, end);
            else Run<Int8Blocks>(first, end);
        }

        private readonly void Run<TBlocks>(int first, int end) where TBlocks : struct, IPackedWeightBlocks
        {
            if (Mode == DequantizationMode.Float16) Run<TBlocks, Float16Products>(first, end);
            else Run<TBlocks, Float32Products>(first, end);
        }

        private readonly void Run<TBlocks, TProducts>(int first, int end)
            where TBlocks : struct, IPackedWeightBlocks where TProducts : struct, IDequantizedProducts
        {
            switch (Output)
            {
                case ScalarType.Float32: Run<TBlocks, TProducts, Float32Outputs>(first, end); break;
                case ScalarType.BFloat16: Run<TBlocks, TProducts, BFloat16Outputs>(first, end); break;
                default: Run<TBlocks, TProducts, Float16Outputs>(first, end); break;
            }
        }

        private readonly void Run<TBlocks, TProducts, TOutputs>(int first, int end)
            where TBlocks : struct, IPackedWeightBlocks where TProducts : struct, IDequantizedProducts where TOutputs : struct, IDequantizedOutputs
        {
            int blockColumns = QuantizedKernelVariants.BlockColumns(Variant);
            int blocks = blockColumns == 0 ? 0 : Columns / blockColumns;
            long rowBytes = (long)Columns * TBlocks.Bits / 8, outputRowBytes = (long)Columns * TOutputs.ElementSize;
            for (int o = first; o < end; o++)
            {
                float scale = Scales[o];
                byte* row = Weight + o * rowBytes;
                byte* destination = Destination + o * outputRowBytes;
                if (Variant == QuantizedKernelVariant.Vector512) Blocks512<TBlocks, TProducts, TOutputs>(row, destination, blocks, scale);
                else if (Variant == QuantizedKernelVariant.Vector256) Blocks256<TBlocks, TProducts, TOutputs>(row, destination, blocks, scale);
                // The columns after the last whole block (every column for Scalar): the same rule, one at a time.
                for (int c = blocks * blockColumns; c < Columns; c++)
                    TOutputs.Store(destination, c, TProducts.Of(TBlocks.Level(row, c) * scale));
            }
        }

        private static void Blocks512<TBlocks, TProducts, TOutputs>(byte* row, byte* destination, int blocks, float scale)
            where TBlocks : struct, IPackedWeightBlocks where TProducts : struct, IDequantizedProducts where TOutputs : struct, IDequantizedOutputs
        {
            int bytesPerBlock = 32 * TBlocks.Bits / 8;
            var s = Vector512.Create(scale);
            for (int b = 0; b < blocks; b++)
            {
                TBlocks.Unpack512InColumnOrder(row + b * bytesPerBlock, out var first, out var second);
                TOutputs.Store(destination, b * 32, TProducts.Of(first * s), TProducts.Of(second * s));
            }
        }

        private static void Blocks256<TBlocks, TProducts, TOutputs>(byte* row, byte* destination, int blocks, float scale)
            where TBlocks : struct, IPackedWeightBlocks where TProducts : struct, IDequantizedProducts where TOutputs : struct, IDequantizedOutputs
        {
            int bytesPerBlock = 16 * TBlocks.Bits / 8;
            var s = Vector256.Create(scale);
            for (int b = 0; b < blocks; b++)
            {
                TBlocks.Unpack256InColumnOrder(row + b * bytesPerBlock, out var first, out var second);
                TOutputs.Store(destination, b * 16, TProducts.Of(first * s), TProducts.Of(second * s));
            }
        }
    }
}
