using System;

namespace RxSockets.Testing;

/// <summary>
/// Faults injected into one direction of a <see cref="VirtualConnectionPair"/>: latency, chopped
/// writes, a reader that stops reading, a peer that vanishes. Change them at any virtual time.
/// </summary>
/// <remarks>Not thread-safe: drive it from the test's thread, like the scheduler.</remarks>
public sealed class LinkFaults
{
    private readonly VirtualLink _link;

    internal LinkFaults(VirtualLink link) => _link = link;

    /// <summary>Virtual time every chunk of bytes takes to cross (default zero). Order is kept.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Deliver bytes in pieces of at most this many bytes, each flushed on its own (0: as written).</summary>
    public int ChopSize { get; set; }

    /// <summary>Whether the receiving side has stopped reading: bytes pile up in the sender's pipe until its writer waits (TCP backpressure).</summary>
    public bool IsStalled => _link.IsStalled;

    /// <summary>Whether the link has vanished (see <see cref="Vanish"/>).</summary>
    public bool HasVanished => _link.HasVanished;

    /// <summary>Stops moving bytes in this direction, as a peer that no longer reads.</summary>
    public void Stall() => _link.Stall();

    /// <summary>Moves bytes again after <see cref="Stall"/>.</summary>
    public void Resume() => _link.Resume();

    /// <summary>
    /// Drops every byte from now on and never signals the end: a half-open connection, as when a
    /// peer loses power or a NAT forgets the flow. Only timeouts can end the connection then.
    /// </summary>
    public void Vanish() => _link.Vanish();
}
