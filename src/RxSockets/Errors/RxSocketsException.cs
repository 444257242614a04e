using System;

namespace RxSockets;

/// <summary>The base of every exception RxSockets raises for WebSocket reasons (misuse raises BCL exceptions).</summary>
/// <remarks>Exceptions are immutable once thrown and safe to share across threads.</remarks>
public abstract class RxSocketsException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause, if any.</param>
    protected RxSocketsException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
