using TorchSharp;

namespace ChatGlmLab.Runtime;

/// <summary>
/// Why the kit never lets a number become a TorchSharp <see cref="Scalar"/> implicitly on a hot path, and the
/// constants that several folders share. In TorchSharp 0.107 <c>t * 2.0</c>, <c>t.masked_fill(m, -1e4)</c> and
/// even <c>a + b</c> (which calls <c>add(b, 1)</c>) convert the number to a temporary Scalar, a native object
/// that nobody disposes:
/// <list type="bullet">
/// <item>its native memory is released only by its finalizer, so every call leaks until the GC runs;</item>
/// <item>nothing keeps it alive during the native call, so under GC pressure the finalizer can free it
/// mid-call and libtorch reads a garbage scalar ("Expected false to be true" from
/// c10::Scalar::toBFloat16, seen in a long bf16 training run).</item>
/// </list>
/// The rule: a constant is made once and held by a static or instance readonly field (the shared ones are
/// below; a module's own, such as a per-layer coefficient, are its fields), and a value computed per call is
/// an explicit <c>using Scalar s = x.ToScalar();</c>. Code following the rule says "see Runtime/Scalars".
/// </summary>
public static class Scalars
{
    public static readonly Scalar Zero = 0.0.ToScalar();
    public static readonly Scalar One = 1.0.ToScalar();
    public static readonly Scalar MinusInfinity = double.NegativeInfinity.ToScalar();
    public static readonly Scalar True = true;
}
