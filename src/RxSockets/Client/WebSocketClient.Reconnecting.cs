using System;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>Clients that stay connected: <see cref="ReconnectingWebSocket"/>.</summary>
public static partial class WebSocketClient
{
    /// <summary>
    /// A client that stays connected to <paramref name="uri"/>: one stream of messages across
    /// connections, one sink, a stream of states, reconnecting with backoff after retryable failures
    /// (network errors, handshake timeouts, 5xx, 429 with <c>Retry-After</c>, closes 1001, 1006, 1011,
    /// 1012, 1013, 1014) and ending on fatal ones (other 4xx, certificate errors, 1002, 1003, 1007–1010)
    /// or a normal close (1000). Nothing happens until the first subscription or
    /// <see cref="ReconnectingWebSocket.ConnectAsync"/>.
    /// </summary>
    /// <example>
    /// <code>
    /// await using ReconnectingWebSocket ws = WebSocketClient.Reconnecting(new Uri("wss://example.com/feed"), reconnect: new ReconnectOptions
    /// {
    ///     OnConnected = (connection, ct) =&gt; connection.SendAsync("subscribe ticker", ct).AsTask(),   // again after every reconnect
    /// });
    /// ws.StateChanges.Subscribe(s =&gt; Console.WriteLine(s));      // Connecting, Open, Reconnecting: attempt 1 in 2.3 s (…)
    /// ws.Subscribe(m =&gt; Console.WriteLine(m.Text));           // messages of every connection
    /// </code>
    /// </example>
    /// <param name="uri">A <c>ws://</c> or <c>wss://</c> URI.</param>
    /// <param name="options">Connection settings (proxy, TLS, headers, keepalive…); <see langword="null"/> for defaults.</param>
    /// <param name="reconnect">Reconnection settings; <see langword="null"/> for defaults (python websockets' backoff, no limit).</param>
    /// <returns>The client, not started.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="uri"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="uri"/> is not an absolute ws:// or wss:// URI.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public static ReconnectingWebSocket Reconnecting(Uri uri, WebSocketClientOptions? options = null, ReconnectOptions? reconnect = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri || (uri.Scheme != "ws" && uri.Scheme != "wss"))
        {
            throw new ArgumentException($"Expected an absolute ws:// or wss:// URI, got '{uri}'.", nameof(uri));
        }

        options ??= new WebSocketClientOptions();
        options.Validate();
        reconnect ??= new ReconnectOptions();
        reconnect.Validate();
        string name = new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri.ToString();
        return new ReconnectingWebSocket(
            cancellationToken => ConnectAsync(uri, options, cancellationToken),
            reconnect,
            reconnect.TimeProvider ?? options.TimeProvider,
            reconnect.LoggerFactory ?? options.LoggerFactory,
            name);
    }

    /// <summary>
    /// A client that stays connected through <paramref name="connect"/>, called for every attempt:
    /// for a URI or headers that change between attempts (a fresh token), or a connection made
    /// another way. Otherwise as <see cref="Reconnecting(Uri, WebSocketClientOptions?, ReconnectOptions?)"/>.
    /// </summary>
    /// <param name="connect">Opens one connection; its exceptions are classified by <see cref="ReconnectOptions.ShouldReconnect"/>.</param>
    /// <param name="reconnect">Reconnection settings; <see langword="null"/> for defaults. Its clock defaults to the system's.</param>
    /// <returns>The client, not started.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="connect"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public static ReconnectingWebSocket Reconnecting(Func<CancellationToken, Task<WebSocketConnection>> connect, ReconnectOptions? reconnect = null)
    {
        ArgumentNullException.ThrowIfNull(connect);
        reconnect ??= new ReconnectOptions();
        reconnect.Validate();
        return new ReconnectingWebSocket(connect, reconnect, reconnect.TimeProvider ?? TimeProvider.System, reconnect.LoggerFactory, "custom");
    }
}
