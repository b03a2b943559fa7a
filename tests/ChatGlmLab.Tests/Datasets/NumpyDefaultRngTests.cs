using ChatGlmLab.Datasets;

namespace ChatGlmLab.Tests.Datasets;

/// <summary>
/// np.random.default_rng(seed).permutation(n), checked against values printed by NumPy 1.24.2 (Debian 12's
/// python3-numpy): <c>np.random.default_rng(s).permutation(n).tolist()</c> and <c>.bit_generator.state</c>.
/// </summary>
public class NumpyDefaultRngTests
{
    [Fact]
    public void SeededStateMatchesNumpy()
    {
        var (state, increment) = new NumpyDefaultRng(42).State;
        Assert.Equal(UInt128.Parse("274674114334540486603088602300644985544"), state);
        Assert.Equal(UInt128.Parse("332724090758049132448979897138935081983"), increment);
    }

    [Theory]
    [InlineData(42UL, 17, new[] { 12, 16, 11, 6, 10, 9, 7, 3, 0, 15, 5, 2, 4, 14, 1, 13, 8 })]
    [InlineData(1UL, 17, new[] { 1, 10, 14, 15, 7, 12, 3, 4, 5, 8, 0, 9, 2, 16, 13, 11, 6 })]
    [InlineData(42UL, 10, new[] { 5, 6, 0, 7, 3, 2, 4, 9, 1, 8 })]
    [InlineData(123456789UL, 3, new[] { 1, 2, 0 })]
    [InlineData(0UL, 10, new[] { 4, 6, 2, 7, 3, 5, 9, 0, 8, 1 })]
    [InlineData(8589934597UL, 10, new[] { 2, 4, 0, 9, 5, 8, 6, 3, 1, 7 })]     // 2^33 + 5: two entropy words
    public void SmallPermutationsMatchNumpy(ulong seed, int n, int[] expected) =>
        Assert.Equal(expected, new NumpyDefaultRng(seed).Permutation(n));

    [Theory]
    [InlineData(7UL, 5000, new[] { 553, 4157, 148, 228, 402, 2792, 3929, 4966, 4924, 157, 2841, 1241 }, new[] { 2709, 425, 2699 })]
    [InlineData(42UL, 51587, new[] { 24046, 29913, 16006, 47936, 6362, 21233, 20256, 1520, 34467, 12523, 21493, 47508 }, new[] { 5668, 22113, 9864 })]
    public void LargePermutationsMatchNumpyAtBothEnds(ulong seed, int n, int[] head, int[] tail)
    {
        var p = new NumpyDefaultRng(seed).Permutation(n);
        Assert.Equal(head, p[..head.Length]);
        Assert.Equal(tail, p[^tail.Length..]);
    }
}
