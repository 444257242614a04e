using System;

namespace RxSockets;

/// <summary>The opening handshake failed: a malformed response, a timeout, or a transport error during it.</summary>
/// <remarks>Immutable. <see cref="Failure"/> tells the class of the failure, for example to decide whether to retry.</remarks>
public class HandshakeException : RxSocketsException
{
    /// <summary>Creates the exception for an invalid answer (<see cref="HandshakeFailure.InvalidResponse"/>).</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause, if any.</param>
    public HandshakeException(string message, Exception? innerException = null)
        : this(message, HandshakeFailure.InvalidResponse, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="failure">The class of the failure.</param>
    /// <param name="innerException">The cause, if any.</param>
    public HandshakeException(string message, HandshakeFailure failure, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
    }

    /// <summary>The class of the failure: network, timeout, rejection, certificate, proxy, redirect…</summary>
    public HandshakeFailure Failure { get; }
}
