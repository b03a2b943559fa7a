using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>Output of the transformer (<see cref="ChatGlmModel"/>).</summary>
/// <param name="LastHiddenState">the final layer norm's output, [batch, seq, hidden]</param>
/// <param name="HiddenStates">input of each layer plus <paramref name="LastHiddenState"/> (when requested)</param>
public sealed record ChatGlmModelOutput(Tensor LastHiddenState, IReadOnlyList<Tensor>? HiddenStates);
