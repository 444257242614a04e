using System;
using System.Numerics;

namespace RxSockets.Cli.Load;

/// <summary>
/// A log-linear histogram of durations in nanoseconds (HdrHistogram's idea, small): 64 linear
/// sub-buckets per power of two, so any percentile is within about 1.6 % of the true value, in
/// fixed memory. Not thread-safe: one per connection, merged at the end.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBits = 6;
    private const int SubCount = 1 << SubBits;
    private const int Exponents = 64 - SubBits;
    private readonly long[] _counts = new long[Exponents * SubCount];

    /// <summary>Samples recorded.</summary>
    public long Count { get; private set; }

    /// <summary>Records one duration.</summary>
    public void Record(long nanoseconds)
    {
        _counts[Index(Math.Max(0, nanoseconds))]++;
        Count++;
    }

    /// <summary>Adds the samples of <paramref name="other"/>.</summary>
    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (int i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
    }

    /// <summary>The value at <paramref name="percentile"/> (0–100), in nanoseconds; 0 without samples.</summary>
    public long Percentile(double percentile)
    {
        if (Count == 0)
        {
            return 0;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(percentile / 100 * Count));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Midpoint(i);
            }
        }

        return Midpoint(_counts.Length - 1);
    }

    private static int Index(long value)
    {
        if (value < SubCount)
        {
            return (int)value;
        }

        // value >> exponent is in [64, 127]: its low 6 bits pick the sub-bucket.
        int exponent = 63 - BitOperations.LeadingZeroCount((ulong)value) - SubBits;
        int sub = (int)(value >> exponent) - SubCount;
        return Math.Min(Exponents - 1, exponent + 1) * SubCount + sub;
    }

    private static long Midpoint(int index)
    {
        int exponent = index / SubCount - 1;
        long sub = index % SubCount;
        if (exponent < 0)
        {
            return sub;
        }

        long low = (sub + SubCount) << exponent;
        return low + ((1L << exponent) / 2);
    }
}
