using System;

namespace RxSockets;

/// <summary>
/// A message was not sent because a <see cref="ReconnectingWebSocket"/> had no open connection
/// (with <see cref="DisconnectedSends.Fail"/>), or its buffer for such messages was full
/// (with <see cref="DisconnectedSends.Buffer"/>).
/// </summary>
/// <remarks>Immutable.</remarks>
public sealed class DisconnectedException : RxSocketsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="status">The client's state when the message was refused.</param>
    public DisconnectedException(string message, ReconnectStatus status)
        : base(message, status?.Error)
    {
        Status = status!; // an exception under construction does not throw
    }

    /// <summary>The client's state when the message was refused (reconnecting, with the attempt and the delay).</summary>
    public ReconnectStatus Status { get; }
}
