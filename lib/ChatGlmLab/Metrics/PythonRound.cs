using System.Globalization;
using System.Numerics;

namespace ChatGlmLab.Metrics;

/// <summary>
/// Python's <c>round(x, ndigits)</c> for floats. Python rounds the EXACT binary value of the double
/// half-to-even (so <c>round(2.675, 2) == 2.67</c>, because 2.675 is stored as 2.67499999...) and then
/// returns the double nearest to the rounded decimal. <see cref="Math.Round(double, int)"/> scales by
/// a power of ten in floating point first, which can land on the other side of a tie.
/// </summary>
public static class PythonRound
{
    public static double Round(double value, int digits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(digits);
        if (!double.IsFinite(value) || value == 0)
            return value;

        // value = ±mantissa * 2^exponent, exactly.
        long bits = BitConverter.DoubleToInt64Bits(value);
        bool negative = bits < 0;
        int biasedExponent = (int)((bits >> 52) & 0x7FF);
        long fraction = bits & 0xF_FFFF_FFFF_FFFFL;
        BigInteger mantissa = biasedExponent == 0 ? fraction : fraction | (1L << 52);
        int exponent = biasedExponent == 0 ? -1074 : biasedExponent - 1075;

        // |value| * 10^digits as the exact fraction numerator / denominator.
        BigInteger numerator = mantissa * BigInteger.Pow(10, digits);
        BigInteger denominator = BigInteger.One;
        if (exponent >= 0)
            numerator <<= exponent;
        else
            denominator <<= -exponent;

        BigInteger quotient = BigInteger.DivRem(numerator, denominator, out BigInteger remainder);
        BigInteger twiceRemainder = remainder * 2;
        if (twiceRemainder > denominator || (twiceRemainder == denominator && !quotient.IsEven))
            quotient += 1;

        // .NET's parser is correctly rounded, like the strtod CPython uses for the way back.
        string decimalText = (negative ? "-" : "") + quotient.ToString(CultureInfo.InvariantCulture) + "E-" + digits;
        return double.Parse(decimalText, NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}
