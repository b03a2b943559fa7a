using static TorchSharp.torch;

namespace ChatGlmLab.Modeling;

/// <summary>What a forward pass returns.</summary>
public sealed class ModelOutput
{
    /// <summary>[batch, seq, vocab]; [batch, 1, vocab] with <see cref="CausalLMInput.LastPositionOnly"/>; [labelled, vocab] with <see cref="CausalLMInput.LogitsAtLabelsOnly"/>.</summary>
    public required Tensor Logits { get; init; }
    /// <summary>Mean cross-entropy of next-token prediction over labels != -100 (when labels were given).</summary>
    public Tensor? Loss { get; init; }
    /// <summary>Input of each layer plus the final layer norm's output (when requested).</summary>
    public IReadOnlyList<Tensor>? HiddenStates { get; init; }
}
