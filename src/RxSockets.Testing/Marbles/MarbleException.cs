using System;

namespace RxSockets.Testing;

/// <summary>The error a <c>#</c> stands for in a marble diagram when no specific error is given.</summary>
/// <remarks>Immutable.</remarks>
public sealed class MarbleException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MarbleException()
        : base("error")
    {
    }
}
