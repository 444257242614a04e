using System;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// Settings of one WebSocket connection, shared by <see cref="WebSocketServerOptions"/> and
/// <see cref="WebSocketClientOptions"/>. Defaults follow python websockets (see FEATURES.md).
/// </summary>
/// <remarks>Set before use; an instance may be shared by many connections once they are started.</remarks>
public class WebSocketOptions
{
    /// <summary>Limits on incoming messages and on the handshake (1 MiB messages by default).</summary>
    public ProtocolLimits Limits { get; set; } = ProtocolLimits.Default;

    /// <summary>
    /// Incoming messages held for the consumer before reading from the socket pauses, so TCP pushes
    /// back on the peer. Default 16. While reading is paused, pings are not answered either, so a
    /// consumer stalled longer than <see cref="PingTimeout"/> gets the connection closed by the peer's
    /// keepalive: the price of bounded memory.
    /// </summary>
    public int MaxQueue { get; set; } = 16;

    /// <summary>
    /// Bytes queued for sending above which <c>SendAsync</c> waits for room. Default 32 KiB. The
    /// writer resumes senders once the queue drains below a quarter of this.
    /// </summary>
    public int WriteHighWaterMark { get; set; } = 32 * 1024;

    /// <summary>
    /// Bytes the non-blocking <see cref="IObserver{T}"/> sink may queue (it cannot wait). Beyond
    /// this the connection fails with 1011 "send buffer overflow" and the error reaches subscribers:
    /// a producer faster than the network must throttle (Sample, Buffer) or use <c>SendAsync</c>.
    /// Default 4 MiB.
    /// </summary>
    public long SinkBufferLimit { get; set; } = 4 * 1024 * 1024;

    /// <summary>Interval between keepalive pings; <see langword="null"/> disables them. Default 20 s.</summary>
    public TimeSpan? PingInterval { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long to wait for the pong of a keepalive ping before closing with 1011 "keepalive ping
    /// timeout"; <see langword="null"/> keeps pinging without a deadline. Default 20 s.
    /// </summary>
    public TimeSpan? PingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long the closing handshake may take before the transport is aborted. Default 10 s.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the opening handshake may take. Default 10 s.</summary>
    public TimeSpan OpenTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The clock for every timer (keepalive, close and open timeouts); replace it to run in virtual time.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where logs go; <see langword="null"/> for none.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Creates the <c>RxSockets</c> meter the connections report to (docs/metrics.md), usually the
    /// app's from dependency injection; <see langword="null"/> (the default) reports to a static
    /// meter of the same name, which listeners see as well.
    /// </summary>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>
    /// permessage-deflate (RFC 7692): <see langword="null"/> (the default) neither offers nor
    /// accepts it; set it to offer it (client) or accept offers (server). Off by default, as in
    /// Kestrel and .NET's <c>ClientWebSocket</c>: compression costs CPU and up to ~300 KiB per
    /// connection with the RFC's 15-bit windows (about 60 KiB with 12-bit windows and memory level
    /// 5; nearly nothing between messages without context takeover), and compressing secrets next
    /// to attacker-controlled data leaks them (CRIME/BREACH) unless those messages use
    /// <see cref="Message.WithoutCompression"/>. <see cref="ProtocolLimits.MaxMessageSize"/>
    /// applies to the inflated size, enforced while inflating.
    /// </summary>
    public PerMessageDeflateOptions? Compression { get; set; }

    /// <summary>Mask keys for client frames; <see langword="null"/> for cryptographically random keys.</summary>
    public IMaskKeyProvider? MaskKeyProvider { get; set; }

    /// <summary>
    /// Where the connection's own work runs: its loops, the continuations of its signals, and
    /// whether senders write on their own thread. Default <see cref="ConnectionExecution.ThreadPool"/>,
    /// the only choice for real sockets. Testing libraries set an inline execution together with
    /// in-memory pipes and a virtual <see cref="TimeProvider"/>, so that a conversation runs
    /// synchronously and deterministically (see <see cref="ConnectionExecution"/>).
    /// </summary>
    public ConnectionExecution Execution { get; set; } = ConnectionExecution.ThreadPool;

    /// <summary>A shallow copy with the per-connection settings, so a harness can adjust them without touching the caller's object.</summary>
    /// <returns>The copy.</returns>
    internal WebSocketOptions CloneConnectionOptions()
    {
        var copy = new WebSocketOptions();
        copy.CopyFrom(this);
        return copy;
    }

    private void CopyFrom(WebSocketOptions other)
    {
        Limits = other.Limits;
        MaxQueue = other.MaxQueue;
        WriteHighWaterMark = other.WriteHighWaterMark;
        SinkBufferLimit = other.SinkBufferLimit;
        PingInterval = other.PingInterval;
        PingTimeout = other.PingTimeout;
        CloseTimeout = other.CloseTimeout;
        OpenTimeout = other.OpenTimeout;
        TimeProvider = other.TimeProvider;
        LoggerFactory = other.LoggerFactory;
        MeterFactory = other.MeterFactory;
        MaskKeyProvider = other.MaskKeyProvider;
        Compression = other.Compression;
        Execution = other.Execution;
    }

    /// <summary>Checks the values and throws for the first invalid one.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    /// <exception cref="ArgumentNullException">A required value is null.</exception>
    public virtual void Validate()
    {
        ArgumentNullException.ThrowIfNull(Limits);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentNullException.ThrowIfNull(Execution);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueue, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(WriteHighWaterMark, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(SinkBufferLimit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CloseTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(OpenTimeout, TimeSpan.Zero);
        if (PingInterval is TimeSpan interval)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero, nameof(PingInterval));
        }

        if (PingTimeout is TimeSpan timeout)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero, nameof(PingTimeout));
        }
    }
}
