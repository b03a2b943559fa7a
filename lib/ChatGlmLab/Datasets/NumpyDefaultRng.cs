namespace ChatGlmLab.Datasets;

/// <summary>
/// NumPy's <c>np.random.default_rng(seed).permutation(n)</c>, bit for bit: SeedSequence(seed) → PCG64
/// (128-bit LCG, XSL-RR output, 32-bit draws taken from halves of 64-bit ones) → Generator.shuffle
/// (Fisher–Yates from the end, <c>random_interval</c>: masked draws rejected until ≤ i).
/// <para>Why: the toolkit's dev split is HF datasets' <c>train_test_split(test_size=dev_ratio)</c>
/// without a seed, which takes one from NumPy's global state; the toolkit seeded that state with
/// <c>transformers.set_seed(--seed)</c> just before, which makes the derived seed equal to --seed. So
/// the toolkit's dev records are the first ceil(n × dev_ratio) of this permutation, and ours are too.</para>
/// Checked against NumPy 1.24 in the tests (permutations of several sizes and seeds).
/// </summary>
public sealed class NumpyDefaultRng
{
    private static readonly UInt128 Multiplier = new(2549297995355413924UL, 4865540595714422341UL);
    private UInt128 _state;
    private readonly UInt128 _increment;
    private bool _hasHalf;
    private uint _half;

    public NumpyDefaultRng(ulong seed)
    {
        // SeedSequence(seed).generate_state(4, uint64), then pcg64_set_seed(state = words 0-1, inc = words 2-3).
        var words = SeedSequenceState(seed, 8);
        ulong Word64(int k) => words[2 * k] | (ulong)words[2 * k + 1] << 32;
        var initState = new UInt128(Word64(0), Word64(1));
        var initSequence = new UInt128(Word64(2), Word64(3));
        _increment = (initSequence << 1) | 1;
        _state = 0;
        Step();
        _state += initState;
        Step();
    }

    /// <summary>The PCG64 state and increment (for checking against NumPy's bit_generator.state).</summary>
    public (UInt128 State, UInt128 Increment) State => (_state, _increment);

    public int[] Permutation(int n)
    {
        var values = new int[n];
        for (int i = 0; i < n; i++) values[i] = i;
        for (int i = n - 1; i >= 1; i--)
        {
            int j = (int)Interval((uint)i);
            (values[i], values[j]) = (values[j], values[i]);
        }
        return values;
    }

    private void Step() => _state = unchecked(_state * Multiplier + _increment);

    public ulong NextUInt64()
    {
        Step();
        ulong high = (ulong)(_state >> 64), low = (ulong)_state;
        return ulong.RotateRight(high ^ low, (int)(_state >> 122));
    }

    public uint NextUInt32()
    {
        if (_hasHalf) { _hasHalf = false; return _half; }
        ulong next = NextUInt64();
        _hasHalf = true;
        _half = (uint)(next >> 32);
        return (uint)next;
    }

    /// <summary>A uniform integer in [0, max] (NumPy's random_interval for max below 2^32).</summary>
    private uint Interval(uint max)
    {
        if (max == 0) return 0;
        uint mask = max;
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4; mask |= mask >> 8; mask |= mask >> 16;
        uint value;
        while ((value = NextUInt32() & mask) > max) { }
        return value;
    }

    // NumPy's SeedSequence (pool of 4 uint32 words, no spawn key) and its generate_state.
    private const uint InitA = 0x43b0d7e5, MultA = 0x931e8875, InitB = 0x8b51f9dd, MultB = 0x58f38ded;
    private const uint MixMultL = 0xca01f9dd, MixMultR = 0x4973f715;
    private const int PoolSize = 4;

    private static uint[] SeedSequenceState(ulong seed, int words)
    {
        uint[] entropy = seed >> 32 == 0 ? [(uint)seed] : [(uint)seed, (uint)(seed >> 32)];
        var pool = new uint[PoolSize];
        uint hashConst = InitA;
        uint HashMix(uint value)
        {
            unchecked
            {
                value ^= hashConst;
                hashConst *= MultA;
                value *= hashConst;
                value ^= value >> 16;
                return value;
            }
        }
        static uint Mix(uint x, uint y)
        {
            unchecked
            {
                uint result = MixMultL * x - MixMultR * y;
                return result ^ (result >> 16);
            }
        }
        for (int i = 0; i < PoolSize; i++)
            pool[i] = HashMix(i < entropy.Length ? entropy[i] : 0);
        for (int src = 0; src < PoolSize; src++)
            for (int dst = 0; dst < PoolSize; dst++)
                if (src != dst)
                    pool[dst] = Mix(pool[dst], HashMix(pool[src]));
        // (entropy never exceeds the pool here: at most two words)

        var state = new uint[words];
        uint constB = InitB;
        for (int i = 0; i < words; i++)
        {
            unchecked
            {
                uint value = pool[i % PoolSize];
                value ^= constB;
                constB *= MultB;
                value *= constB;
                value ^= value >> 16;
                state[i] = value;
            }
        }
        return state;
    }
}
