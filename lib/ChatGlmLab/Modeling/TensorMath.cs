using ChatGlmLab.Runtime;
using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>
/// Tensor additions for hot paths: <c>a + b</c> in TorchSharp 0.107 converts its implicit alpha 1 to a
/// temporary Scalar that can be freed mid-call (see Runtime/Scalars); this passes the process-wide one.
/// </summary>
public static class TensorMath
{
    public static Tensor Add(Tensor a, Tensor b) => a.add(b, Scalars.One);
}
