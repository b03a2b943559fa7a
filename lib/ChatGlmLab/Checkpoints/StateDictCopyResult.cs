namespace ChatGlmLab.Checkpoints;

/// <summary>What <see cref="StateDictCopy"/> did: the files read, the target keys loaded, and the keys the options let pass
/// (targets without a tensor under <see cref="StateDictCopyOptions.AllowMissing"/>, checkpoint keys without a target under
/// <see cref="StateDictCopyOptions.AllowUnexpected"/>).</summary>
public sealed record StateDictCopyResult(IReadOnlyList<string> Files, IReadOnlyList<string> Loaded, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected);
