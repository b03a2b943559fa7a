using ChatGlmLab.Modeling;
using static TorchSharp.torch;

namespace ChatGlmLab.Training;

/// <summary>
/// Runs each transformer block in its own dispose scope during training. What backward needs is held by
/// the autograd graph itself; the scope only drops the handles of temporaries, which otherwise would
/// keep their memory until the whole step ends (PyTorch frees them as soon as they are unreferenced).
/// Lower peak memory at no compute cost.
/// </summary>
public static class ScopedLayers
{
    public static Tensor Run(GLMBlock block, BlockInput input)
    {
        // A KV cache keeps tensors made inside the block: never scope those away.
        if (input.Context.Cache != null) return block.forward(input);
        using var scope = NewDisposeScope();
        return block.forward(input).MoveToOuterDisposeScope();
    }
}
