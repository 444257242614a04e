using System;
using System.Collections.Generic;
using System.Net.Security;
using System.Threading;
using System.Threading.Tasks;

using RxSockets.Protocol;

namespace RxSockets;

/// <summary>Settings of a <see cref="WebSocketServer"/>, in addition to the per-connection <see cref="WebSocketOptions"/>.</summary>
/// <remarks>Set before <c>StartAsync</c>; not to be changed while the server runs.</remarks>
public sealed class WebSocketServerOptions : WebSocketOptions
{
    /// <summary>The address to listen on. Default "127.0.0.1"; "0.0.0.0" or "::" for every interface, "localhost" for loopback.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The TCP port; 0 picks a free one (read it from <see cref="WebSocketServer.EndPoint"/>). Default 0.</summary>
    public int Port { get; set; }

    /// <summary>Subprotocols the server supports, in order of preference; the first one the client offers is selected.</summary>
    public IReadOnlyList<string> Subprotocols { get; set; } = [];

    /// <summary>
    /// Called for every request before the upgrade (python websockets' <c>process_request</c>).
    /// Return a <see cref="HandshakeResponse"/> to answer with plain HTTP instead of upgrading
    /// (a health check, 401/403, a small page on <c>GET /</c>); return <see langword="null"/> to go on.
    /// Requests that are not WebSocket upgrades and get no answer here receive 426.
    /// </summary>
    public Func<HandshakeRequest, CancellationToken, ValueTask<HandshakeResponse?>>? ProcessRequest { get; set; }

    /// <summary>The most connections open at once (handshakes included); more are answered 503. 0 for no limit. Default 0.</summary>
    public int MaxConnections { get; set; }

    /// <summary>The value of the <c>Server</c> header; <see langword="null"/> to send none. Default "RxSockets".</summary>
    public string? ServerHeader { get; set; } = "RxSockets";

    /// <summary>
    /// TLS settings (at least a <see cref="SslServerAuthenticationOptions.ServerCertificate"/> or a
    /// certificate selection callback) to serve <c>wss://</c>; <see langword="null"/> for plain <c>ws://</c>.
    /// The TLS handshake counts against <see cref="WebSocketOptions.OpenTimeout"/>.
    /// </summary>
    public SslServerAuthenticationOptions? Tls { get; set; }

    /// <summary>
    /// Which <c>Origin</c> headers may open a connection (refused ones get 403): the defence against
    /// cross-site WebSocket hijacking for servers that browsers reach. <see langword="null"/> (the
    /// default) accepts any origin, as python websockets and ASP.NET Core do.
    /// </summary>
    public OriginPolicy? Origins { get; set; }

    /// <summary>
    /// Chooses the subprotocol from the ones the client offered (in the client's order); return
    /// <see langword="null"/> for none. Overrides <see cref="Subprotocols"/>. Must return one of the
    /// offered values.
    /// </summary>
    public Func<HandshakeRequest, IReadOnlyList<string>, string?>? SelectSubprotocol { get; set; }

    /// <summary>
    /// The most opening handshakes started per second (a token bucket with a burst of the same size);
    /// more are answered 429 with <c>Retry-After: 1</c> before their request is read. 0 for no
    /// limit. Default 0.
    /// </summary>
    public int MaxHandshakesPerSecond { get; set; }

    /// <summary>
    /// On Linux, whether plain <c>ws://</c> connections are driven by RxSockets' own <c>epoll</c>
    /// threads (half the processors, at least one), which run the library's socket loops as soon
    /// as the kernel reports data instead of queueing them to the thread pool first: about 15 %
    /// less CPU per small message (docs/performance.md). Handlers, observers and every other user
    /// callback still run on the thread pool. <see langword="false"/> uses the runtime's
    /// asynchronous socket calls, as on other systems and for <c>wss://</c>. The environment variable
    /// <c>RXSOCKETS_SOCKET_POLLER</c> overrides this for the whole process: <c>0</c> turns it off,
    /// a positive number sets the thread count. Default <see langword="true"/>.
    /// </summary>
    public bool UseSocketPoller { get; set; } = true;

    /// <summary>
    /// How many <c>epoll</c> threads the process runs for <see cref="UseSocketPoller"/>, or
    /// <see langword="null"/> for half the processors (at least one, at most 16). The threads are
    /// shared by every server in the process and created when the first one starts, so the first
    /// server's setting counts; <c>RXSOCKETS_SOCKET_POLLER</c> overrides it. Default <see langword="null"/>.
    /// </summary>
    public int? SocketPollerThreads { get; set; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        ArgumentException.ThrowIfNullOrWhiteSpace(Host);
        ArgumentOutOfRangeException.ThrowIfNegative(Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxConnections);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxHandshakesPerSecond);
        ArgumentNullException.ThrowIfNull(Subprotocols);
        if (SocketPollerThreads is int threads)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(threads, nameof(SocketPollerThreads));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(threads, 256, nameof(SocketPollerThreads));
        }
    }
}
