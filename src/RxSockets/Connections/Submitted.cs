namespace RxSockets;

/// <summary>What <see cref="Outbox.Submit"/> did with an item.</summary>
internal enum Submitted
{
    /// <summary>Not accepted: the connection no longer sends.</summary>
    Refused,

    /// <summary>Written into the transport and handed off on the caller's thread; the output is free again, nothing left to finish.</summary>
    Done,

    /// <summary>Written into the transport on the caller's thread; the caller finishes its flush.</summary>
    Written,

    /// <summary>Queued behind earlier items; the drain writes it.</summary>
    Queued,
}
