using ChatGlmLab.Kernels;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Quantization;

/// <summary>
/// <see cref="SymmetricRowQuantization.Quantize"/> on CPU: reads the float weight (float32, float16 or bfloat16) and writes
/// the int8 / packed int4 weight and the float16 scales straight into preallocated tensors, with the same bits as the
/// torch ops (<c>abs().amax(1)</c>, <c>div(127)</c>, <c>.to(float16)</c>, <c>W / scale</c>, <c>round_()</c>,
/// <c>nan_to_num_(0)</c>, <c>.to(int8)</c>, <see cref="Int4Packing.Pack"/>).
/// <para>Why: on CPU torch's float16 arithmetic is slow, and the torch-op version makes about eight passes through
/// temporaries as large as the matrix; quantizing chatglm-6b's float16 checkpoint on load took many CPU-minutes.</para>
/// <para>Per row: the largest magnitude (integer max over the float32 bits of |W|, which is exact and keeps a NaN, since
/// NaN bits sort above infinity's), the scale in the source dtype's arithmetic (<see cref="IQuantizationSource"/>), then
/// per element: ratio, round half to even, NaN → 0, ±infinity → ± the ratio dtype's largest value, torch's float → int8
/// cast (<see cref="FloatToInt8Cast"/>: wraparound), stored by the layout (<see cref="IPackedWeightBlocks"/>). The row
/// (a few KB) is read twice, the second time from cache.</para>
/// <para>Edge cases as torch gives them: an all-zero row has scale 0 and 0/0 = NaN → level 0; a row whose scale rounds to
/// 0 but holds nonzero values gets ±infinite ratios → float16 weights ±65504 → level ∓32, float32 / bfloat16 weights
/// ±3.4e38 → level 0; a ratio that rounds to ±128 or beyond (only with a float16-subnormal scale) wraps (128 → −128,
/// 190 → −66); a NaN or infinite weight makes the row's scale NaN or infinity and all its levels 0.</para>
/// <para>Threads: rows split into torch.get_num_threads() contiguous ranges (<see cref="RowRanges"/>).</para>
/// </summary>
internal static unsafe class QuantizationKernel
{
    /// <summary>
    /// True when the kernel reads this weight: a 2-D float32 / float16 / bfloat16 CPU tensor (any layout; it is made contiguous)
    /// with at least one column (torch's amax rejects empty rows; the torch-op path then says so).
    /// </summary>
    public static bool CanRead(Tensor weight) =>
        weight.device_type == DeviceType.CPU && weight.dim() == 2
        && weight.dtype is ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16
        && weight.shape[1] is > 0 and <= int.MaxValue && weight.shape[0] <= int.MaxValue;

    /// <summary>True when the kernel can write into these tensors: contiguous CPU int8 [out, in·bits/8] and float16 [out].</summary>
    public static bool CanWrite(Tensor weight, int bits, Tensor stored, Tensor scale) =>
        stored.device_type == DeviceType.CPU && stored.dtype == ScalarType.Int8 && stored.is_contiguous()
        && stored.shape.SequenceEqual([weight.shape[0], weight.shape[1] * bits / 8])
        && scale.device_type == DeviceType.CPU && scale.dtype == ScalarType.Float16 && scale.is_contiguous()
        && scale.shape.SequenceEqual([weight.shape[0]]);

    /// <summary>Quantizes <paramref name="weight"/> into <paramref name="stored"/> and <paramref name="scale"/> with <paramref name="variant"/> (tests run each one; callers use the best).</summary>
    public static void Quantize(Tensor weight, int bits, Tensor stored, Tensor scale, QuantizedKernelVariant variant)
    {
        SymmetricRowQuantization.CheckBits(bits);
        if (!CanRead(weight) || !CanWrite(weight, bits, stored, scale))
            throw new ArgumentException($"QuantizationKernel reads a 2-D float32/float16/bfloat16 CPU weight into contiguous CPU int8 [out, in·bits/8] and float16 [out] " +
                $"tensors (got weight {weight.dtype} [{string.Join(", ", weight.shape)}] on {weight.device}, stored {stored.dtype} [{string.Join(", ", stored.shape)}], " +
                $"scale {scale.dtype} [{string.Join(", ", scale.shape)}])");
        if (bits == 4 && weight.shape[1] % 2 != 0) throw new ArgumentException($"int4 packing needs an even number of columns, got {weight.shape[1]}");
        if (!QuantizedKernelVariants.IsSupported(variant)) throw new PlatformNotSupportedException($"this CPU cannot run the {variant} variant of QuantizationKernel");

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var source = weight.contiguous();
        long rows = source.shape[0], columns = source.shape[1];
        var job = new RowJob
        {
            Variant = variant,
            Bits = bits,
            DType = source.dtype,
            Columns = (int)columns,
            Source = TensorMemory.DataPointer(source),
            Stored = TensorMemory.DataPointer(stored),
            Scales = (Half*)TensorMemory.DataPointer(scale),
        };
        if (rows > 0) RowRanges.Run((int)rows, columns, job.Run);
    }

    /// <summary>One call's pointers and sizes; <see cref="Run"/> quantizes rows [first, end).</summary>
    private struct RowJob
    {
        public QuantizedKernelVariant Variant;
        public int Bits, Columns;
        public ScalarType DType;
        public byte* Source, Stored;
        public Half* Scales;

        // One specialised loop per source dtype × layout, chosen once per range.
        public readonly void Run(int first, int end)
        {
            switch (DType)
            {
                case ScalarType.Float32: Run<Float32Source>(first, end); break;
                case ScalarType.Float16: Run<Float16Source>(first, end); break;
                default: Run<BFloat16Source>(first, end); break;
            }
        }

        private readonly void Run<TSource>(int first, int end) where TSource : struct, IQuantizationSource
        {
            if (Bits == 4) Run<TSource, Int4Blocks>(first, end);
            else Run<TSource, Int8Blocks>(first, end);
        }

        private readonly void Run<TSource, TBlocks>(int first, int end)
            where TSource : struct, IQuantizationSource where TBlocks : struct, IPackedWeightBlocks
        {
            int blockColumns = QuantizedKernelVariants.BlockColumns(Variant);
            int blocks = blockColumns == 0 ? 0 : Columns / blockColumns;
            int maxLevel = SymmetricRowQuantization.MaxLevel(TBlocks.Bits);
            long sourceRowBytes = (long)Columns * TSource.ElementSize, storedRowBytes = (long)Columns * TBlocks.Bits / 8;
            for (int o = first; o < end; o++)
            {
                byte* source = Source + o * sourceRowBytes;
                byte* stored = Stored + o * storedRowBytes;

                uint maxBits = Variant switch
                {
                    QuantizedKernelVariant.Vector512 => MaxMagnitudeBits512<TSource>(source, blocks),
                    QuantizedKernelVariant.Vector256 => MaxMagnitudeBits256<TSource>(source, blocks),
                    _ => 0,
                };
                for (int c = blocks * blockColumns; c < Columns; c++)
                    maxBits = Math.Max(maxBits, BitConverter.SingleToUInt32Bits(TSource.Load(source, c)) & 0x7FFF_FFFFu);
                Half scale = TSource.Scale(BitConverter.UInt32BitsToSingle(maxBits), maxLevel);
                Scales[o] = scale;

                float divisor = (float)scale;
                if (Variant == QuantizedKernelVariant.Vector512) Levels512<TSource, TBlocks>(source, stored, blocks, divisor);
                else if (Variant == QuantizedKernelVariant.Vector256) Levels256<TSource, TBlocks>(source, stored, blocks, divisor);
                // The columns after the last whole block (every column for Scalar): the same rule, one at a time.
                for (int c = blocks * blockColumns; c < Columns; c++)
                    TBlocks.StoreLevel(stored, c, Level<TSource>(TSource.Ratio(TSource.Load(source, c), divisor)));
            }
        }

        /// <summary>torch's round_ (half to even), nan_to_num_(0) and .to(int8) of one ratio, as the int32 whose low bits are stored.</summary>
        private static int Level<TSource>(float ratio) where TSource : struct, IQuantizationSource
        {
            float rounded = MathF.Round(ratio, MidpointRounding.ToEven);
            if (float.IsNaN(rounded)) rounded = 0f;
            return FloatToInt8Cast.ToInt32(Math.Clamp(rounded, -TSource.LargestRatio, TSource.LargestRatio));
        }

        private static Vector512<int> Levels<TSource>(Vector512<float> ratio) where TSource : struct, IQuantizationSource
        {
            var rounded = Vector512.Round(ratio);                                                        // half to even
            rounded = Vector512.ConditionalSelect(Vector512.Equals(rounded, rounded), rounded, Vector512<float>.Zero);   // NaN → 0
            var largest = Vector512.Create(TSource.LargestRatio);
            return FloatToInt8Cast.ToInt32(Vector512.MinNative(Vector512.MaxNative(rounded, -largest), largest));    // no NaN left
        }

        private static Vector256<int> Levels<TSource>(Vector256<float> ratio) where TSource : struct, IQuantizationSource
        {
            var rounded = Vector256.Round(ratio);
            rounded = Vector256.ConditionalSelect(Vector256.Equals(rounded, rounded), rounded, Vector256<float>.Zero);
            var largest = Vector256.Create(TSource.LargestRatio);
            return FloatToInt8Cast.ToInt32(Vector256.MinNative(Vector256.MaxNative(rounded, -largest), largest));
        }

        private static uint MaxMagnitudeBits512<TSource>(byte* source, int blocks) where TSource : struct, IQuantizationSource
        {
            var max = Vector512<uint>.Zero;
            var magnitude = Vector512.Create(0x7FFF_FFFFu);
            for (int b = 0; b < blocks; b++)
            {
                TSource.Load512(source, b * 32, out var first, out var second);
                max = Vector512.Max(max, Vector512.Max(first.AsUInt32() & magnitude, second.AsUInt32() & magnitude));
            }
            uint result = 0;
            for (int i = 0; i < Vector512<uint>.Count; i++) result = Math.Max(result, max[i]);
            return result;
        }

        private static uint MaxMagnitudeBits256<TSource>(byte* source, int blocks) where TSource : struct, IQuantizationSource
        {
            var max = Vector256<uint>.Zero;
            var magnitude = Vector256.Create(0x7FFF_FFFFu);
            for (int b = 0; b < blocks; b++)
            {
                TSource.Load256(source, b * 16, out var first, out var second);
                max = Vector256.Max(max, Vector256.Max(first.AsUInt32() & magnitude, second.AsUInt32() & magnitude));
            }
            uint result = 0;
            for (int i = 0; i < Vector256<uint>.Count; i++) result = Math.Max(result, max[i]);
            return result;
        }

        private static void Levels512<TSource, TBlocks>(byte* source, byte* stored, int blocks, float divisor)
            where TSource : struct, IQuantizationSource where TBlocks : struct, IPackedWeightBlocks
        {
            int bytesPerBlock = 32 * TBlocks.Bits / 8;
            var s = Vector512.Create(divisor);
            for (int b = 0; b < blocks; b++)
            {
                TSource.Load512(source, b * 32, out var first, out var second);
                TBlocks.Pack512(stored + b * bytesPerBlock, Levels<TSource>(TSource.Ratio(first, s)), Levels<TSource>(TSource.Ratio(second, s)));
            }
        }

        private static void Levels256<TSource, TBlocks>(byte* source, byte* stored, int blocks, float divisor)
            where TSource : struct, IQuantizationSource where TBlocks : struct, IPackedWeightBlocks
        {
            int bytesPerBlock = 16 * TBlocks.Bits / 8;
            var s = Vector256.Create(divisor);
            for (int b = 0; b < blocks; b++)
            {
                TSource.Load256(source, b * 16, out var first, out var second);
                TBlocks.Pack256(stored + b * bytesPerBlock, Levels<TSource>(TSource.Ratio(first, s)), Levels<TSource>(TSource.Ratio(second, s)));
            }
        }
    }
}
