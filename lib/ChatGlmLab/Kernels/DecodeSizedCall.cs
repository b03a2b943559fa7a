namespace ChatGlmLab.Kernels;

/// <summary>
/// What counts as a decode-sized call for the kit's own CPU kernels (the float and quantized matrix-vector products,
/// decode attention): at most <see cref="MaxRows"/> rows after flattening the leading dims, i.e. a decode step of a few
/// sequences. Such calls read every weight (or the whole KV cache) for very little arithmetic, so they are bound by
/// memory, where libtorch's CPU kernels fall short; larger calls (prefill, training) keep libtorch's matmul and attention.
/// </summary>
public static class DecodeSizedCall
{
    /// <summary>Largest number of rows (activation rows, or query rows per sequence and head) a decode kernel takes.</summary>
    public const int MaxRows = 8;
}
