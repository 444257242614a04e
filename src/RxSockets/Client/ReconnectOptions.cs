using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// How a <see cref="ReconnectingWebSocket"/> reconnects: the backoff, when to give up, which
/// failures are worth retrying, a watchdog for silent links, what happens to messages sent while
/// disconnected, and a hook that runs on every new connection (to subscribe again).
/// </summary>
/// <remarks>Set before use; an instance may be shared by many clients.</remarks>
public sealed class ReconnectOptions
{
    /// <summary>The delays between attempts. Default <see cref="Backoff.Default"/>: python websockets' curve (0–5 s, then 3.1 s growing by 1.618× to 90 s).</summary>
    public Backoff Backoff { get; set; } = Backoff.Default;

    /// <summary>How many attempts in a row may fail after a connection was lost (or the first one failed) before giving up; <see langword="null"/> (the default) for no limit.</summary>
    public int? MaxAttempts { get; set; }

    /// <summary>How long to keep trying after a connection was lost (or the first attempt failed) before giving up; <see langword="null"/> (the default) for no limit. No attempt starts after it.</summary>
    public TimeSpan? MaxReconnectTime { get; set; }

    /// <summary>
    /// Decides whether an ending is worth reconnecting after: a failed attempt (a
    /// <see cref="HandshakeException"/>, or what a custom connect function threw), a lost connection
    /// (a <see cref="ConnectionClosedException"/>), or the idle watchdog (a <see cref="TimeoutException"/>).
    /// <see langword="false"/> ends the client: with <c>OnCompleted</c> after a normal close, with
    /// <c>OnError</c> otherwise. Default <see cref="IsRetryable"/>; wrap it to change single cases, for
    /// example <c>e =&gt; e is HandshakeRejectedException { StatusCode: 401 } || ReconnectOptions.IsRetryable(e)</c>
    /// with a connect function that fetches a fresh token for each attempt.
    /// </summary>
    public Func<Exception, bool> ShouldReconnect { get; set; } = IsRetryable;

    /// <summary>
    /// The dead-link watchdog: a connection that receives no message for this long is dropped
    /// (without a closing handshake: a link silent that long is presumed dead) and the client
    /// reconnects, the ending being a <see cref="TimeoutException"/>. Every message restarts the wait,
    /// so it never fires while messages flow. <see langword="null"/> (the default) turns it off; use it
    /// for feeds that send at least every so often. Keepalive pings (<see cref="WebSocketOptions.PingTimeout"/>)
    /// already catch a peer that stopped answering.
    /// </summary>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>What happens to messages sent while no connection is open. Default <see cref="DisconnectedSends.Fail"/>.</summary>
    public DisconnectedSends WhileDisconnected { get; set; } = DisconnectedSends.Fail;

    /// <summary>With <see cref="DisconnectedSends.Buffer"/>, how many bytes of messages may wait for the next connection. Default 1 MiB.</summary>
    public long BufferLimit { get; set; } = 1024 * 1024;

    /// <summary>
    /// Runs on every new connection, the first included, before it counts as open: send the
    /// subscribe messages again here, authenticate, or resume a feed from its last sequence number.
    /// Messages the server sends meanwhile reach the subscribers as usual; buffered messages are sent
    /// after it. If it throws, the connection is dropped and the error classified like any other.
    /// </summary>
    public Func<WebSocketConnection, CancellationToken, Task>? OnConnected { get; set; }

    /// <summary>The clock of the backoff and the watchdog; <see langword="null"/> for the client options' <see cref="WebSocketOptions.TimeProvider"/> (or the system clock).</summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>The source of the backoff's randomness; <see langword="null"/> for <see cref="System.Random.Shared"/>. Set a seeded one for reproducible schedules.</summary>
    public Random? Random { get; set; }

    /// <summary>Where the reconnection log goes (each retry at Information); <see langword="null"/> for the client options' <see cref="WebSocketOptions.LoggerFactory"/>.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// The default classification, after python websockets and the close codes' meaning (RFC 6455
    /// §7.4.1, IANA): retry network errors (<see cref="HandshakeFailure.Network"/>, a
    /// <see cref="SocketException"/> or <see cref="IOException"/>), handshake timeouts, a server that
    /// closed during the handshake, HTTP 5xx from the server or the proxy, 429 with <c>Retry-After</c>,
    /// the idle watchdog (<see cref="TimeoutException"/>), and connections that ended with 1001 going
    /// away, 1006 abnormal (no close frame), 1011 internal error (a keepalive timeout too), 1012
    /// service restart, 1013 try again later or 1014 bad gateway. Everything else is final: other 4xx
    /// (401, 403, 404…), invalid answers, certificate and TLS errors, redirects that cannot be followed,
    /// 1002, 1003, 1007, 1008, 1009, 1010 and application codes (3000–4999), and the normal endings
    /// 1000 and 1005, which complete the stream.
    /// </summary>
    /// <param name="error">The failure or ending.</param>
    /// <returns>True to reconnect.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="error"/> is null.</exception>
    public static bool IsRetryable(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error switch
        {
            ConnectionClosedException closed => closed.Code is CloseCode.GoingAway or CloseCode.AbnormalClosure
                or CloseCode.InternalError or CloseCode.ServiceRestart or CloseCode.TryAgainLater or CloseCode.BadGateway,
            HandshakeRejectedException rejected => rejected.StatusCode >= 500 || (rejected.StatusCode == 429 && HasRetryAfter(rejected)),
            ProxyRejectedException proxy => proxy.StatusCode >= 500,
            HandshakeException handshake => handshake.Failure is HandshakeFailure.Network or HandshakeFailure.Timeout or HandshakeFailure.ServerClosed,
            TimeoutException or SocketException or IOException => true,
            _ => false,
        };
    }

    /// <summary>
    /// The wait a server asked for with <c>Retry-After</c> (seconds, or an HTTP date) on a 429 or 503
    /// (or any 5xx) answer, or <see langword="null"/>. The reconnection waits at least this long.
    /// </summary>
    /// <param name="error">The failure.</param>
    /// <param name="now">The current time, for HTTP dates.</param>
    /// <returns>The wait, or null.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="error"/> is null.</exception>
    public static TimeSpan? GetRetryAfter(Exception error, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error is not HandshakeRejectedException { StatusCode: 429 or >= 500 } rejected
            || rejected.Headers.FirstOrDefault(h => h.Key.Equals("Retry-After", StringComparison.OrdinalIgnoreCase)).Value is not { } value)
        {
            return null;
        }

        value = value.Trim();
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
        {
            return TimeSpan.FromSeconds(Math.Min(seconds, (long)TimeSpan.MaxValue.TotalSeconds - 1));
        }

        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset date))
        {
            TimeSpan wait = date - now;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentNullException">A required value is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Backoff);
        ArgumentNullException.ThrowIfNull(ShouldReconnect);
        Backoff.Validate();
        if (MaxAttempts is int attempts)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(attempts, nameof(MaxAttempts));
        }

        if (MaxReconnectTime is TimeSpan time)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(time, TimeSpan.Zero, nameof(MaxReconnectTime));
        }

        if (IdleTimeout is TimeSpan idle)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(idle, TimeSpan.Zero, nameof(IdleTimeout));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(BufferLimit);
    }

    private static bool HasRetryAfter(HandshakeRejectedException rejected) =>
        rejected.Headers.Any(h => h.Key.Equals("Retry-After", StringComparison.OrdinalIgnoreCase));
}
