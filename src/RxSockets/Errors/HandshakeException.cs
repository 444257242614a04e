using System;

namespace RxSockets;

/// <summary>The opening handshake failed: a malformed response, a timeout, or a transport error during it.</summary>
/// <remarks>Immutable.</remarks>
public class HandshakeException : RxSocketsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause, if any.</param>
    public HandshakeException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
