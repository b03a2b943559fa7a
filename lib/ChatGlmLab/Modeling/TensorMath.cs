using TorchSharp;
using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>
/// Tensor additions for hot paths. TorchSharp 0.107's <c>a + b</c> calls <c>add(b, 1)</c>, converting 1 to
/// a temporary <see cref="Scalar"/> that nothing keeps alive during the native call: under GC pressure its
/// finalizer can free it mid-call, and libtorch then reads a garbage scalar ("Expected false to be true"
/// from c10::Scalar::toBFloat16, seen in a long bf16 training run). Passing a Scalar held by a static
/// field avoids it (and the native allocation per call).
/// </summary>
public static class TensorMath
{
    private static readonly Scalar One = 1.0.ToScalar();

    public static Tensor Add(Tensor a, Tensor b) => a.add(b, One);
}
