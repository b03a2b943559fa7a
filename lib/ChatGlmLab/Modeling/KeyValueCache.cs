using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>
/// Keys/values of earlier positions for incremental decoding, laid out [batch, heads, seq, head_dim]
/// (appending along a non-leading dim of a preallocated buffer is a copy into a view; a seq-first
/// layout with cat was measured ~40% slower per step). Keys are stored already rotated, as upstream.
/// The buffers live outside any dispose scope; dispose the cache when generation ends.
/// </summary>
public sealed class KeyValueCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;
    private long _capacity;

    /// <summary>Number of positions stored (including a P-Tuning prefix).</summary>
    public long Length { get; private set; }

    public KeyValueCache(int numLayers, long initialCapacity)
    {
        _keys = new Tensor?[numLayers];
        _values = new Tensor?[numLayers];
        _capacity = Math.Max(1, initialCapacity);
    }

    /// <summary>Writes this step's k/v ([b, h, s, d]) after the stored ones and returns views of everything so far.</summary>
    public (Tensor Keys, Tensor Values) Update(int layer, Tensor k, Tensor v)
    {
        long s = k.shape[2];
        long needed = Length + s;
        if (_keys[layer] is null) Allocate(layer, k, Math.Max(_capacity, needed));
        else if (needed > _keys[layer]!.shape[2]) Grow(layer, Math.Max(needed, 2 * _keys[layer]!.shape[2]));

        using (no_grad())
        {
            _keys[layer]!.narrow(2, Length, s).copy_(k);
            _values[layer]!.narrow(2, Length, s).copy_(v);
        }
        return (_keys[layer]!.narrow(2, 0, needed), _values[layer]!.narrow(2, 0, needed));
    }

    /// <summary>Called once after all layers processed a step of <paramref name="steps"/> positions.</summary>
    public void Advance(long steps) => Length += steps;

    private void Allocate(int layer, Tensor like, long capacity)
    {
        long[] shape = [like.shape[0], like.shape[1], capacity, like.shape[3]];
        _keys[layer] = empty(shape, like.dtype, like.device).DetachFromDisposeScope();
        _values[layer] = empty(shape, like.dtype, like.device).DetachFromDisposeScope();
        _capacity = capacity;
    }

    private void Grow(int layer, long capacity)
    {
        var oldK = _keys[layer]!;
        var oldV = _values[layer]!;
        Allocate(layer, oldK, capacity);
        using (no_grad())
        {
            _keys[layer]!.narrow(2, 0, Length).copy_(oldK.narrow(2, 0, Length));
            _values[layer]!.narrow(2, 0, Length).copy_(oldV.narrow(2, 0, Length));
        }
        oldK.Dispose();
        oldV.Dispose();
    }

    public void Dispose()
    {
        foreach (var t in _keys) t?.Dispose();
        foreach (var t in _values) t?.Dispose();
        Array.Clear(_keys);
        Array.Clear(_values);
    }
}
