namespace ChatGlmLab.Generation.Constraints;

/// <summary>
/// Restricts which tokens one row may generate next, given the tokens it generated so far
/// (what Hugging Face's <c>prefix_allowed_tokens_fn</c> does). Applied after the logits processors and
/// before greedy choice or sampling: every other token's score becomes -inf.
/// </summary>
public interface ITokenConstraint
{
    /// <summary>Adds to <paramref name="allowed"/> the ids permitted after <paramref name="generated"/> (the row's new tokens).</summary>
    void AddAllowed(IReadOnlyList<int> generated, List<int> allowed);
}
