using System;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>Pings and latency: the connection's <see cref="KeepAlive"/>, created with keepalive or by the first <see cref="PingAsync"/>.</summary>
public sealed partial class WebSocketConnection
{
    private KeepAlive? _keepAlive;

    /// <summary>The round-trip time of the most recent ping answered by a pong (keepalive or <see cref="PingAsync"/>); zero before the first.</summary>
    public TimeSpan Latency => Volatile.Read(ref _keepAlive)?.Latency ?? TimeSpan.Zero;

    /// <summary>
    /// Sends a ping and waits for its pong. A pong also answers every earlier ping (pongs may be
    /// coalesced by the peer, RFC 6455 §5.5.3).
    /// </summary>
    /// <param name="cancellationToken">Stops waiting for the pong.</param>
    /// <returns>The round-trip time.</returns>
    /// <exception cref="ConnectionClosedException">The connection closed before the pong arrived.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default) => EnsureKeepAlive().PingAsync(cancellationToken);

    /// <summary>The keepalive, created once; one created after the read loop ended is ended at once (no pong can come).</summary>
    private KeepAlive EnsureKeepAlive()
    {
        if (Volatile.Read(ref _keepAlive) is { } existing)
        {
            return existing;
        }

        var created = new KeepAlive(this);
        if (Interlocked.CompareExchange(ref _keepAlive, created, null) is { } raced)
        {
            return raced;
        }

        // Published with a full fence before this check; the read loop writes its ending before it
        // looks for a keepalive to end: one of the two sees the other.
        if (Volatile.Read(ref _closedException) is not null)
        {
            created.End();
        }

        return created;
    }
}
