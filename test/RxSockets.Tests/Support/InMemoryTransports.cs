using RxSockets.Testing;

namespace RxSockets.Tests;

/// <summary>
/// RxSockets.Testing's in-memory pair as transports for the connection's internal constructor,
/// wrapped as <see cref="WebSocketConnection.CreateFromPipe"/> wraps any pipe: runtime tests run
/// over the same pipes and the same transport as the public seam.
/// </summary>
internal static class InMemoryTransports
{
    /// <summary>Two ends joined directly: what one writes, the other reads.</summary>
    /// <param name="pauseWriterThreshold">Bytes buffered in one direction before the writer waits.</param>
    /// <param name="inline">Run pipe continuations inline (with <see cref="InlineExecution"/>).</param>
    public static (ITransport A, ITransport B) CreatePair(long pauseWriterThreshold = 64 * 1024, bool inline = false)
    {
        (InMemoryDuplexPipe a, InMemoryDuplexPipe b) = InMemoryDuplexPipe.CreatePair(pauseWriterThreshold, inline);
        return (new DuplexPipeTransport(a, null, null, flushHandsOff: false), new DuplexPipeTransport(b, null, null, flushHandsOff: false));
    }
}
