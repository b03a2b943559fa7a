namespace ChatGlmLab.Metrics;

/// <summary>Length of the longest common subsequence of two word lists (ordinal comparison).</summary>
public static class LongestCommonSubsequence
{
    /// <summary>The classic O(n·m) table, kept to two rows.</summary>
    public static int Length(IReadOnlyList<string> x, IReadOnlyList<string> y)
    {
        var previous = new int[y.Count + 1];
        var current = new int[y.Count + 1];
        for (int i = 1; i <= x.Count; i++)
        {
            for (int j = 1; j <= y.Count; j++)
            {
                current[j] = string.Equals(x[i - 1], y[j - 1], StringComparison.Ordinal)
                    ? previous[j - 1] + 1
                    : Math.Max(previous[j], current[j - 1]);
            }
            (previous, current) = (current, previous);
        }
        return previous[y.Count];
    }
}
