namespace ChatGlmLab.Metrics;

/// <summary>
/// <c>float(numpy.mean(values))</c> for a list of Python floats, bit for bit: numpy adds float64
/// arrays with its pairwise summation (eight running sums in blocks of up to 128 values, halves
/// above that), then divides by the count. The toolkit's corpus scores are such means.
/// </summary>
public static class NumpyMean
{
    /// <summary>The mean; NaN for an empty list (numpy warns and returns nan).</summary>
    public static double Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
            return double.NaN;
        double[] array = values as double[] ?? values.ToArray();
        return PairwiseSum(array, 0, array.Length) / array.Length;
    }

    /// <summary>numpy's pairwise_sum (umath loops), same association order.</summary>
    private static double PairwiseSum(double[] a, int start, int count)
    {
        const int blockSize = 128;
        if (count < 8)
        {
            double sum = 0.0;
            for (int i = 0; i < count; i++)
                sum += a[start + i];
            return sum;
        }
        if (count <= blockSize)
        {
            var r = new double[8];
            for (int j = 0; j < 8; j++)
                r[j] = a[start + j];
            int i = 8;
            for (; i < count - count % 8; i += 8)
                for (int j = 0; j < 8; j++)
                    r[j] += a[start + i + j];
            double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < count; i++)
                sum += a[start + i];
            return sum;
        }
        int half = count / 2;
        half -= half % 8;
        return PairwiseSum(a, start, half) + PairwiseSum(a, start + half, count - half);
    }
}
