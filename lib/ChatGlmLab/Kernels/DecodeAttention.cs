using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Kernels;

/// <summary>
/// softmax(q·kᵀ/√d + mask)·v — scaled_dot_product_attention without dropout or causal flag — for the few query rows of
/// a decode step, read straight from the key/value cache (float32 or bfloat16, any strides with contiguous head_dim).
/// <para>Why: libtorch's CPU scaled_dot_product_attention over a bfloat16 cache took 1.3 ms per layer at 300 positions
/// against 0.17 ms in float32 (~40 ms of each real-size INT4 token, more than the lm_head), and converting the strided
/// cache views to float32 first cost more still. The work is small (2·positions·head_dim multiply-adds per head and
/// query row); what it costs is reading the cache once, which this does.</para>
/// <para>What it equals: torch's attention in float32 to within float32 rounding: scores, softmax and the weighted sum
/// of values are computed in float32 (a bfloat16 value widens exactly) and the result is rounded to the input dtype
/// once. libtorch's bfloat16 kernel rounds the probabilities to bfloat16 before multiplying them with v; this keeps them
/// in float32, so against it the difference stays within bfloat16 rounding of the output. A query row whose keys are
/// all masked gives zeros, as torch's CPU kernel does (the model unmasks such rows first, see AttentionContext).</para>
/// <para>Threads: the (batch, head) pairs are split between torch.get_num_threads() workers (<see cref="RowRanges"/>).</para>
/// </summary>
public static unsafe class DecodeAttention
{
    /// <summary>Largest number of query rows (per batch row and head) the kernel takes; prefill keeps torch's attention.</summary>
    public const int MaxQueryRows = DecodeSizedCall.MaxRows;

    /// <summary>
    /// True when this kernel computes the call: CPU tensors of one dtype (float32 or bfloat16), q [b, h, rows ≤
    /// <see cref="MaxQueryRows"/>, d], k and v [b, h, positions, d] with d contiguous, an additive mask of q's dtype
    /// broadcastable to [b, h, rows, positions] (or none), no gradient needed, and vector hardware for the inner loops.
    /// </summary>
    public static bool CanAttend(Tensor q, Tensor k, Tensor v, Tensor? mask)
    {
        if (!Vector256.IsHardwareAccelerated) return false;
        if (q.dtype is not (ScalarType.Float32 or ScalarType.BFloat16) || k.dtype != q.dtype || v.dtype != q.dtype) return false;
        if (q.device_type != DeviceType.CPU || k.device_type != DeviceType.CPU || v.device_type != DeviceType.CPU) return false;
        if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4) return false;
        if (q.shape[2] < 1 || q.shape[2] > MaxQueryRows || k.shape[2] < 1) return false;
        if (k.shape[0] != q.shape[0] || k.shape[1] != q.shape[1] || k.shape[3] != q.shape[3] || !v.shape.SequenceEqual(k.shape)) return false;
        if (q.stride(3) != 1 || k.stride(3) != 1 || v.stride(3) != 1) return false;
        if (is_grad_enabled() && (q.requires_grad || k.requires_grad || v.requires_grad || mask is { requires_grad: true })) return false;
        if (mask is null) return true;
        if (mask.dtype != q.dtype || mask.device_type != DeviceType.CPU || mask.dim() != 4) return false;
        long[] target = [q.shape[0], q.shape[1], q.shape[2], k.shape[2]];
        for (int i = 0; i < 4; i++)
            if (mask.shape[i] != 1 && mask.shape[i] != target[i]) return false;
        return true;
    }

    /// <summary>The attention output [b, h, rows, d], contiguous, in q's dtype; see <see cref="CanAttend"/> for the inputs.</summary>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor? mask)
    {
        if (!CanAttend(q, k, v, mask))
            throw new ArgumentException($"DecodeAttention takes CPU float32/bfloat16 q [b, h, ≤{MaxQueryRows}, d], k and v [b, h, positions, d] " +
                $"of one dtype with contiguous d and an additive mask of that dtype (got q {q.dtype} [{string.Join(", ", q.shape)}], " +
                $"k [{string.Join(", ", k.shape)}]); use scaled_dot_product_attention for other inputs (CanAttend says which path applies)");
        long batch = q.shape[0], heads = q.shape[1];
        var y = empty(q.shape, q.dtype, q.device);
        // Broadcast dims of the mask become stride 0, so every pair reads its own rows the same way.
        using var expandedMask = mask?.expand(batch, heads, q.shape[2], k.shape[2]);
        var job = new Job
        {
            BFloat16 = q.dtype == ScalarType.BFloat16,
            Heads = (int)heads,
            Rows = (int)q.shape[2],
            Positions = checked((int)k.shape[2]),
            HeadDim = checked((int)q.shape[3]),
            // torch's default scale, 1/√d computed in double and used as a float32.
            Scale = (float)(1.0 / Math.Sqrt(q.shape[3])),
            Q = new StridedView(q), K = new StridedView(k), V = new StridedView(v), Y = new StridedView(y),
            Mask = expandedMask is null ? null : new StridedView(expandedMask),
        };
        RowRanges.Run((int)(batch * heads), 2L * job.Positions * job.HeadDim * job.Rows, job.Run);
        return y;
    }

    /// <summary>A tensor's first element and its strides in elements (dims [b, h, row, column]).</summary>
    private readonly struct StridedView(Tensor t)
    {
        public readonly byte* Data = TensorMemory.ViewPointer(t);
        public readonly long B = t.stride(0), H = t.stride(1), Row = t.stride(2), Column = t.stride(3);

        public long Offset(long b, long h, long row) => b * B + h * H + row * Row;
    }

    private struct Job
    {
        public bool BFloat16;
        public int Heads, Rows, Positions, HeadDim;
        public float Scale;
        public StridedView Q, K, V, Y;
        public StridedView? Mask;

        [ThreadStatic] private static float[]? scratch;

        // Fully optimised from the first call (see QuantizedMatVec): a whole first token otherwise runs in unoptimised code.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Run(int firstPair, int endPair)
        {
            int d = HeadDim, n = Positions;
            int need = 2 * d + n;
            if (scratch is null || scratch.Length < need) scratch = GC.AllocateUninitializedArray<float>(need, pinned: true);
            fixed (float* buffer = scratch)
            {
                float* query = buffer, sum = buffer + d, probabilities = buffer + 2 * d;
                for (int pair = firstPair; pair < endPair; pair++)
                {
                    long b = pair / Heads, h = pair % Heads;
                    for (int r = 0; r < Rows; r++)
                    {
                        Widen(Q.Data, Q.Offset(b, h, r), d, query);
                        // Scores: scale · q·k_j + mask_j, then the softmax's numerators exp(s_j - max).
                        float max = float.NegativeInfinity;
                        for (int j = 0; j < n; j++)
                        {
                            float s = Dot(query, K.Data, K.Offset(b, h, j), d) * Scale;
                            if (Mask is { } m) s += Element(m.Data, m.Offset(b, h, r) + j * m.Column);
                            probabilities[j] = s;
                            if (s > max) max = s;
                        }
                        if (float.IsNegativeInfinity(max))
                        {
                            Clear(Y, Y.Offset(b, h, r), d);   // every key masked: torch's kernel writes zeros
                            continue;
                        }
                        float total = 0f;
                        for (int j = 0; j < n; j++)
                        {
                            float e = MathF.Exp(probabilities[j] - max);
                            probabilities[j] = e;
                            total += e;
                        }
                        // Σ_j p_j · v_j, divided by Σ_j p_j at the end (as torch's flash kernel does).
                        new Span<float>(sum, d).Clear();
                        for (int j = 0; j < n; j++) AddScaled(sum, probabilities[j], V.Data, V.Offset(b, h, j), d);
                        float inverse = 1f / total;
                        long at = Y.Offset(b, h, r);
                        for (int c = 0; c < d; c++)
                        {
                            float value = sum[c] * inverse;
                            if (BFloat16) ((ushort*)Y.Data)[at + c] = BFloat16Rounding.ToBits(value);
                            else ((float*)Y.Data)[at + c] = value;
                        }
                    }
                }
            }
        }

        private readonly void Clear(StridedView view, long offset, int d) =>
            new Span<byte>(view.Data + offset * (BFloat16 ? 2 : 4), d * (BFloat16 ? 2 : 4)).Clear();

        private readonly float Element(byte* data, long index) =>
            BFloat16 ? BFloat16Rounding.FromBits(((ushort*)data)[index]) : ((float*)data)[index];

        private readonly void Widen(byte* data, long offset, int d, float* into)
        {
            for (int c = 0; c < d; c++) into[c] = Element(data, offset + c);
        }

        /// <summary>Σ_c query[c] · row[c] over one key row (8 lanes at a time, two FMA chains).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly float Dot(float* query, byte* data, long offset, int d)
        {
            Vector256<float> a0 = default, a1 = default;
            int c = 0;
            for (; c + 16 <= d; c += 16)
            {
                a0 = Vector256.FusedMultiplyAdd(Load8(data, offset + c), Vector256.Load(query + c), a0);
                a1 = Vector256.FusedMultiplyAdd(Load8(data, offset + c + 8), Vector256.Load(query + c + 8), a1);
            }
            for (; c + 8 <= d; c += 8) a0 = Vector256.FusedMultiplyAdd(Load8(data, offset + c), Vector256.Load(query + c), a0);
            float s = Vector256.Sum(a0 + a1);
            for (; c < d; c++) s += query[c] * Element(data, offset + c);
            return s;
        }

        /// <summary>sum[c] += p · row[c] over one value row.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly void AddScaled(float* sum, float p, byte* data, long offset, int d)
        {
            var pv = Vector256.Create(p);
            int c = 0;
            for (; c + 8 <= d; c += 8) Vector256.FusedMultiplyAdd(Load8(data, offset + c), pv, Vector256.Load(sum + c)).Store(sum + c);
            for (; c < d; c++) sum[c] += p * Element(data, offset + c);
        }

        /// <summary>Eight consecutive elements from element <paramref name="index"/> as float32 (bfloat16 widened exactly).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly Vector256<float> Load8(byte* data, long index)
        {
            if (!BFloat16) return Vector256.Load((float*)data + index);
            var bits = Vector128.Load((ushort*)data + index);
            return BFloat16Rounding.FromBits(Vector256.Create(Vector128.WidenLower(bits), Vector128.WidenUpper(bits)));
        }
    }
}
