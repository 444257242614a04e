using System;

namespace RxSockets.Testing;

/// <summary>A recorded stream did not match the expected one; the message shows both as timelines.</summary>
/// <remarks>Thrown by the marble and timeline assertions of this package; any test framework reports it as a failure.</remarks>
public sealed class ReactiveAssertionException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Expected and actual, side by side.</param>
    public ReactiveAssertionException(string message)
        : base(message)
    {
    }
}
