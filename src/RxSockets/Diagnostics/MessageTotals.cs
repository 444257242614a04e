using System;
using System.Threading;

namespace RxSockets;

/// <summary>
/// Running totals of messages and payload bytes by direction and type, behind the observable
/// <c>rxsockets.messages</c> and <c>rxsockets.message.bytes</c>. Each processor adds to its own
/// stripe (<see cref="Thread.GetCurrentProcessorId"/>), one 128-byte line apart, so connections
/// on many cores do not contend for one cache line; a reader sums the stripes.
/// </summary>
/// <remarks>Thread-safe: adds are interlocked (a thread may move to another core between reading its id and adding); sums read each value atomically, so a total is never torn, only possibly a message behind.</remarks>
internal sealed class MessageTotals
{
    /// <summary>Direction × type: receive/transmit × binary/text.</summary>
    public const int Kinds = 4;

    /// <summary>Longs per stripe: 16 × 8 bytes, two cache lines (the adjacent-line prefetcher pairs them); the 8 values use the first.</summary>
    private const int Stride = 16;

    private readonly long[] _values;
    private readonly int _mask;

    public MessageTotals()
    {
        int stripes = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, 256));
        _mask = stripes - 1;
        _values = new long[(stripes + 1) * Stride]; // stripe i at (i + 1) × Stride: none shares a line with the array's header
    }

    /// <summary>The index of a direction and type.</summary>
    public static int Kind(bool transmit, bool text) => (transmit ? 2 : 0) | (text ? 1 : 0);

    /// <summary>Adds one message (when <paramref name="count"/>) and <paramref name="bytes"/> payload bytes (when not 0) of <paramref name="kind"/>.</summary>
    public void Add(int kind, bool count, long bytes)
    {
        int at = ((Thread.GetCurrentProcessorId() & _mask) + 1) * Stride + (kind * 2);
        if (count)
        {
            Interlocked.Increment(ref _values[at]);
        }

        if (bytes != 0)
        {
            Interlocked.Add(ref _values[at + 1], bytes);
        }
    }

    /// <summary>The total messages (or bytes) of <paramref name="kind"/> over every stripe.</summary>
    public long Sum(int kind, bool bytes)
    {
        long total = 0;
        for (int at = Stride + (kind * 2) + (bytes ? 1 : 0); at < _values.Length; at += Stride)
        {
            total += Volatile.Read(ref _values[at]);
        }

        return total;
    }
}
