using System;
using System.Diagnostics;

namespace RxSockets;

/// <summary>
/// A topic's history: the newest entries, by sequence number, in a ring of fixed capacity, trimmed by
/// age too but never below the newest entry. What resumes replay and what slow subscribers under
/// <see cref="FlowPolicyKind.DropOldest"/> are sent from.
/// </summary>
/// <remarks>Not thread-safe: the topic's lock guards it.</remarks>
internal sealed class TopicLog
{
    /// <summary>The ring; slot of sequence s is <c>s % capacity</c>.</summary>
    private readonly FeedEntry?[] _ring;

    /// <summary>Creates an empty log.</summary>
    /// <param name="capacity">How many entries it keeps, at least 1.</param>
    public TopicLog(int capacity)
    {
        Debug.Assert(capacity >= 1, $"{nameof(capacity)} must be at least 1");
        _ring = new FeedEntry?[capacity];
    }

    /// <summary>How many entries it keeps at most.</summary>
    public int Capacity => _ring.Length;

    /// <summary>How many entries it holds.</summary>
    public int Count { get; private set; }

    /// <summary>The sequence of the newest entry, or 0 when empty.</summary>
    public long NewestSeq { get; private set; }

    /// <summary>The sequence of the oldest entry held; <see cref="NewestSeq"/> + 1 when empty.</summary>
    public long OldestSeq => NewestSeq - Count + 1;

    /// <summary>The newest entry, or <see langword="null"/> when empty.</summary>
    public FeedEntry? Newest => Count == 0 ? null : _ring[NewestSeq % _ring.Length];

    /// <summary>Appends the next entry (its sequence must follow the newest), dropping the oldest when full.</summary>
    /// <param name="entry">The entry.</param>
    public void Append(FeedEntry entry)
    {
        Debug.Assert(Count == 0 ? entry.Seq > NewestSeq : entry.Seq == NewestSeq + 1, $"{nameof(entry.Seq)} {entry.Seq} must follow {NewestSeq}");
        _ring[entry.Seq % _ring.Length] = entry;
        NewestSeq = entry.Seq;
        if (Count < _ring.Length)
        {
            Count++;
        }
    }

    /// <summary>
    /// Drops every entry (a new epoch, or messages that were lost): nothing up to
    /// <paramref name="newestSeq"/> can be replayed, and the next appended may have any greater sequence.
    /// </summary>
    /// <param name="newestSeq">The topic's newest sequence number now (0 in a new epoch).</param>
    public void Clear(long newestSeq)
    {
        Array.Clear(_ring);
        Count = 0;
        NewestSeq = newestSeq;
    }

    /// <summary>The entry with sequence <paramref name="seq"/>, which must be between <see cref="OldestSeq"/> and <see cref="NewestSeq"/>.</summary>
    /// <param name="seq">The sequence number.</param>
    /// <returns>The entry.</returns>
    public FeedEntry Get(long seq)
    {
        Debug.Assert(seq >= OldestSeq && seq <= NewestSeq, $"{nameof(seq)} {seq} is not held ({OldestSeq}..{NewestSeq})");
        return _ring[seq % _ring.Length]!;
    }

    /// <summary>Drops entries older than <paramref name="maxAge"/> at <paramref name="now"/>, keeping at least the newest.</summary>
    /// <param name="time">The clock the timestamps come from.</param>
    /// <param name="now">The current timestamp.</param>
    /// <param name="maxAge">The oldest an entry may be.</param>
    public void TrimByAge(TimeProvider time, long now, TimeSpan maxAge)
    {
        while (Count > 1)
        {
            long oldest = OldestSeq;
            FeedEntry entry = _ring[oldest % _ring.Length]!;
            if (time.GetElapsedTime(entry.Timestamp, now) <= maxAge)
            {
                return;
            }

            _ring[oldest % _ring.Length] = null;
            Count--;
        }
    }
}
