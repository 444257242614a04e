using System;
using System.Threading;

namespace RxSockets.Testing;

/// <summary>
/// Clears the synchronization context for a scope. Virtual connections run inline on the test's
/// thread; a context captured by an <c>await</c> there (a UI's or a test framework's) would move
/// continuations out of virtual time.
/// </summary>
internal readonly struct NoSynchronizationContext : IDisposable
{
    private readonly SynchronizationContext? _previous;

    private NoSynchronizationContext(SynchronizationContext? previous) => _previous = previous;

    /// <summary>Clears the context until the returned scope is disposed.</summary>
    public static NoSynchronizationContext Enter()
    {
        var scope = new NoSynchronizationContext(SynchronizationContext.Current);
        SynchronizationContext.SetSynchronizationContext(null);
        return scope;
    }

    /// <summary>Restores the context.</summary>
    public void Dispose() => SynchronizationContext.SetSynchronizationContext(_previous);
}
