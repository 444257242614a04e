using System;
using System.Diagnostics;

namespace RxSockets.Protocol;

/// <summary>
/// The pongs an engine owes its peer, oldest first: one per ping (RFC 6455 §5.5.2), up to
/// <see cref="Capacity"/>. A ping that finds the queue full replaces the newest owed pong instead of
/// adding one, which §5.5.3 allows ("MAY elect to send a Pong frame for only the most recently
/// processed Ping frame"): a peer that pings faster than it reads costs a fixed amount of memory.
/// </summary>
/// <remarks>Not thread-safe; a mutable struct held in a field of one <see cref="ProtocolConnection"/> (never copied), so an engine that never sees a ping holds nothing more than the empty fields.</remarks>
internal struct OwedPongs
{
    /// <summary>The most pongs owed at once.</summary>
    public const int Capacity = 16;

    /// <summary>One slot per pong: a length byte, then up to 125 payload bytes.</summary>
    private const int SlotSize = FrameHeader.MaxControlPayload + 1;

    private byte[]? _slots;
    private int _head;

    /// <summary>The number of pongs owed.</summary>
    public int Count { get; private set; }

    /// <summary>Owes a pong carrying <paramref name="payload"/> (at most 125 bytes).</summary>
    /// <returns>Whether it was added; <see langword="false"/> when it replaced the newest owed pong because the queue is full.</returns>
    public bool Add(ReadOnlySpan<byte> payload)
    {
        Debug.Assert(payload.Length <= FrameHeader.MaxControlPayload, $"{nameof(payload)} is a control frame's payload");
        _slots ??= new byte[Capacity * SlotSize];
        bool added = Count < Capacity;
        int slot = added ? (_head + Count) % Capacity : (_head + Count - 1) % Capacity;
        Span<byte> target = _slots.AsSpan(slot * SlotSize, SlotSize);
        target[0] = (byte)payload.Length;
        payload.CopyTo(target[1..]);
        if (added)
        {
            Count++;
        }

        return added;
    }

    /// <summary>The payload of the oldest owed pong; valid until the next <see cref="RemoveOldest"/> or <see cref="Add"/>.</summary>
    public ReadOnlySpan<byte> Oldest
    {
        get
        {
            Debug.Assert(Count > 0 && _slots is not null, "a pong is owed");
            ReadOnlySpan<byte> slot = _slots.AsSpan(_head * SlotSize, SlotSize);
            return slot.Slice(1, slot[0]);
        }
    }

    /// <summary>Forgets the oldest owed pong (it was written).</summary>
    public void RemoveOldest()
    {
        Debug.Assert(Count > 0, "a pong is owed");
        _head = (_head + 1) % Capacity;
        Count--;
    }
}
