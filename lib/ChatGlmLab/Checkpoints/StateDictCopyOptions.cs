namespace ChatGlmLab.Checkpoints;

/// <summary>
/// What differs between the places that copy a state dict into a module: how a checkpoint key names its
/// target, which keys are passed over, whether a partial state dict is fine, and what the user should do when
/// the tensors do not fit. Everything else (shape checks, the key lists, the error format) is
/// <see cref="StateDictCopy"/>'s.
/// </summary>
public sealed record StateDictCopyOptions
{
    /// <summary>The target key of a checkpoint key (PEFT's "base_model.model." prefix removed, say); null = it has no target
    /// (reported as unexpected). Default: the same key.</summary>
    public Func<string, string?>? TargetKey { get; init; }

    /// <summary>Checkpoint keys passed over without a word (e.g. the rotary inv_freq buffers the model recomputes).</summary>
    public Func<string, bool>? Ignore { get; init; }

    /// <summary>A state dict of only some targets is fine (Freeze outputs hold the trained parameters only).</summary>
    public bool AllowMissing { get; init; }

    /// <summary>Keys without a target are left in the file instead of being an error (e.g. reading only the parameter values of an optimizer state).</summary>
    public bool AllowUnexpected { get; init; }

    /// <summary>What to do when the tensors do not fit, appended to every error, e.g. "does config.json match the weights?".</summary>
    public string Fix { get; init; } = "";

    /// <summary>
    /// Tensors the module stores differently (quantized on load): a tensor whose key is in <see cref="CustomKeys"/> goes to
    /// <see cref="CustomSink"/>, which checks it itself and returns true when it consumed it (false: copied like any other).
    /// Every custom key must end up loaded: handed to the sink, or added by the sink to <see cref="CustomFilled"/> (e.g. a
    /// scale it computed while quantizing a float weight).
    /// </summary>
    public IReadOnlySet<string>? CustomKeys { get; init; }
    public CheckpointLoader.TensorSink? CustomSink { get; init; }
    /// <summary>Read after the copy: the sink adds to it while it runs.</summary>
    public IEnumerable<string>? CustomFilled { get; init; }
}
