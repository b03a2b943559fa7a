using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>A linear-like layer (float or quantized): what an adapter needs to wrap it.</summary>
public interface ILinearShape
{
    long InFeatures { get; }
    long OutFeatures { get; }
    Device Device { get; }
}
