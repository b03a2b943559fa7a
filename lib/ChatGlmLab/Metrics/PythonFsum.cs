namespace ChatGlmLab.Metrics;

/// <summary>
/// Python's <c>math.fsum</c>: the correctly rounded sum of doubles (Shewchuk's exact partial sums,
/// then CPython's final half-even correction). nltk's BLEU sums its weighted log precisions with it,
/// and a plain left-to-right sum can differ in the last bit.
/// </summary>
public static class PythonFsum
{
    /// <summary>Sum of finite values (nltk only feeds it logs of positive precisions).</summary>
    public static double Sum(IEnumerable<double> values)
    {
        // Non-overlapping partial sums, smallest magnitude first; their exact total is the true sum.
        var partials = new List<double>();
        foreach (double value in values)
        {
            if (!double.IsFinite(value))
                throw new ArgumentException("PythonFsum.Sum only handles finite values.", nameof(values));
            double x = value;
            int kept = 0;
            for (int i = 0; i < partials.Count; i++)
            {
                double y = partials[i];
                if (Math.Abs(x) < Math.Abs(y))
                    (x, y) = (y, x);
                double high = x + y;
                double low = y - (high - x);
                if (low != 0.0)
                    partials[kept++] = low;
                x = high;
            }
            partials.RemoveRange(kept, partials.Count - kept);
            if (x != 0.0) // CPython keeps no zero partial; it would change the half-even check below
                partials.Add(x);
        }
        return RoundPartials(partials);
    }

    /// <summary>Adds the partials from the largest down, stopping once the sum is inexact.</summary>
    private static double RoundPartials(List<double> partials)
    {
        if (partials.Count == 0)
            return 0.0;
        int n = partials.Count - 1;
        double high = partials[n];
        double low = 0.0;
        while (n > 0)
        {
            double x = high;
            double y = partials[--n];
            high = x + y;
            double yRounded = high - x;
            low = y - yRounded;
            if (low != 0.0)
                break;
        }
        // Half-way case: the rest of the partials decide whether to round away from `high`.
        if (n > 0 && ((low < 0.0 && partials[n - 1] < 0.0) || (low > 0.0 && partials[n - 1] > 0.0)))
        {
            double y = low * 2.0;
            double x = high + y;
            double yRounded = x - high;
            if (y == yRounded)
                high = x;
        }
        return high;
    }
}
