using System;

namespace RxSockets;

/// <summary>
/// Raise through a connection's <c>OnError</c> (or throw from a handler) to close the connection
/// with a chosen code and reason instead of 1011.
/// </summary>
/// <remarks>Immutable.</remarks>
public sealed class WebSocketCloseException : RxSocketsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">The close code; must be valid on the wire (1000–1003, 1007–1014, 3000–4999).</param>
    /// <param name="reason">The reason, at most 123 UTF-8 bytes.</param>
    /// <exception cref="ArgumentException">The code may not be sent.</exception>
    public WebSocketCloseException(CloseCode code, string reason = "")
        : base($"Close requested: {(int)code} {reason}")
    {
        if (!CloseStatus.IsValidOnWire((int)code))
        {
            throw new ArgumentException($"Close code {(int)code} may not be sent on the wire.", nameof(code));
        }

        Status = new CloseStatus(code, reason);
    }

    /// <summary>The close status to send.</summary>
    public CloseStatus Status { get; }
}
