using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// A WebSocket server: one handler runs per connection, and the connection closes when the
/// handler ends (1000 when it returns, 1011 when it throws).
/// </summary>
/// <remarks>
/// <para>
/// Two handler styles: an async one, <c>(connection, cancellationToken) =&gt; Task</c>, in the style of
/// python websockets; and an Rx one, <c>connection =&gt; IObservable&lt;Message&gt;</c>, whose returned
/// stream is sent and whose completion closes the connection.
/// </para>
/// <para>
/// <see cref="DisposeAsync"/> shuts down gracefully: it stops accepting, answers handshakes in
/// progress with 503, closes open connections with 1001, waits up to the close timeout, then aborts
/// what is left. Thread safety: all members are thread-safe.
/// </para>
/// </remarks>
public sealed partial class WebSocketServer : IAsyncDisposable
{
    private readonly Func<WebSocketConnection, CancellationToken, Task> _handler;
    private readonly WebSocketServerOptions _options;
    private readonly ServerHandshake _handshake;
    /// <summary>The listening socket; null for a server whose connections are handed to it (<see cref="CreateUnbound(Func{WebSocketConnection, CancellationToken, Task}, WebSocketServerOptions?)"/>).</summary>
    private readonly Socket? _listener;
    private readonly ILogger _logger;

    /// <summary>Cancelled when shutdown starts: stops the accept loop, fails handshakes with 503 and cancels handler tokens.</summary>
    private readonly CancellationTokenSource _shutdown = new();

    /// <summary>Open connections (after the handshake) and their handler tasks.</summary>
    private readonly ConcurrentDictionary<WebSocketConnection, byte> _connections = new();

    /// <summary>
    /// Completed once shutdown has started and no accepted socket is left (<see cref="_active"/> is 0):
    /// what shutdown waits for. A counter and one signal instead of a set of session tasks, which cost
    /// a node and a continuation per idle connection.
    /// </summary>
    private readonly TaskCompletionSource _drained;

    /// <summary>Limits how many handshakes start per second, when <see cref="WebSocketServerOptions.MaxHandshakesPerSecond"/> is set.</summary>
    private readonly TokenBucket? _handshakeRate;

    private readonly Subject<WebSocketConnection> _joined = new();
    private readonly Subject<WebSocketConnection> _left = new();

    /// <summary>Serializes <see cref="Joined"/> and <see cref="Left"/>: sessions end and begin concurrently, and the Rx contract forbids overlapping notifications.</summary>
    private readonly Lock _registryLock = new();

    /// <summary>
    /// Sockets accepted and not finished yet, handshakes included; bounded by <see cref="WebSocketServerOptions.MaxConnections"/>.
    /// Counted by the accept loop before the session starts, and down at the end of each session.
    /// </summary>
    private int _active;

    private Task _acceptLoop = Task.CompletedTask;
    private int _disposed;

    private WebSocketServer(Func<WebSocketConnection, CancellationToken, Task> handler, WebSocketServerOptions options, Socket? listener)
    {
        _handler = handler;
        _options = options;
        _listener = listener;
        _drained = options.Execution.NewSignal();
        _logger = options.LoggerFactory?.CreateLogger<WebSocketServer>() ?? NullLogger<WebSocketServer>.Instance;
        _handshake = new ServerHandshake
        {
            SupportedSubprotocols = options.Subprotocols,
            SubprotocolSelector = options.SelectSubprotocol,
            ServerHeader = options.ServerHeader,
            Compression = options.Compression,
            Origins = options.Origins,
        };
        _handshakeRate = options.MaxHandshakesPerSecond > 0 ? new TokenBucket(options.MaxHandshakesPerSecond, options.TimeProvider) : null;
        EndPoint = listener is null ? UnboundEndPoint(options) : (IPEndPoint)listener.LocalEndPoint!;
    }

    /// <summary>The address and port the server listens on (the real port when 0 was asked for).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The WebSocket URI of the server's root, for example <c>ws://127.0.0.1:8765/</c>.</summary>
    public Uri Uri => new($"{(_options.Tls is null ? "ws" : "wss")}://{(EndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{EndPoint.Address}]" : EndPoint.Address.ToString())}:{EndPoint.Port}/");

    /// <summary>Accepted sockets not finished yet, handshakes in progress included.</summary>
    public int ActiveSessions => Volatile.Read(ref _active);

    /// <summary>A snapshot of the connections open now.</summary>
    public IReadOnlyCollection<WebSocketConnection> Connections => [.. _connections.Keys];

    /// <summary>
    /// Connections as they open: after the request was accepted and just before the 101 response
    /// is sent, so a client whose <c>ConnectAsync</c> returned is already registered. What an
    /// observer (or a broadcast meanwhile) sends to the connection waits and goes out right after
    /// the 101, in order. Hot; completes
    /// at shutdown. Notifications of <see cref="Joined"/> and <see cref="Left"/> never overlap (they
    /// are serialized across connections, so keep observers quick); an observer that throws is
    /// logged and the connection goes on.
    /// </summary>
    public IObservable<WebSocketConnection> Joined => _joined.AsObservable();

    /// <summary>Connections as they close. Hot; completes at shutdown; serialized with <see cref="Joined"/>.</summary>
    public IObservable<WebSocketConnection> Left => _left.AsObservable();

    /// <summary>Starts a server with an async handler on <paramref name="host"/>:<paramref name="port"/>.</summary>
    /// <param name="handler">Runs once per connection; the connection closes when it returns.</param>
    /// <param name="host">The address to listen on ("127.0.0.1", "localhost", "0.0.0.0", "::").</param>
    /// <param name="port">The port; 0 picks a free one.</param>
    /// <param name="cancellationToken">Cancels starting.</param>
    /// <returns>The running server.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="SocketException">The address cannot be bound.</exception>
    public static Task<WebSocketServer> StartAsync(Func<WebSocketConnection, CancellationToken, Task> handler, string host, int port, CancellationToken cancellationToken = default) =>
        StartAsync(handler, new WebSocketServerOptions { Host = host, Port = port }, cancellationToken);

    /// <summary>Starts a server with an Rx handler on <paramref name="host"/>:<paramref name="port"/>.</summary>
    /// <param name="handler">Returns the messages to send; its completion closes the connection with 1000, its error with 1011.</param>
    /// <param name="host">The address to listen on.</param>
    /// <param name="port">The port; 0 picks a free one.</param>
    /// <param name="cancellationToken">Cancels starting.</param>
    /// <returns>The running server.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="SocketException">The address cannot be bound.</exception>
    public static Task<WebSocketServer> StartAsync(Func<WebSocketConnection, IObservable<Message>> handler, string host, int port, CancellationToken cancellationToken = default) =>
        StartAsync(handler, new WebSocketServerOptions { Host = host, Port = port }, cancellationToken);

    /// <summary>Starts a server with an Rx handler.</summary>
    /// <param name="handler">Returns the messages to send; its completion closes the connection with 1000, its error with 1011.</param>
    /// <param name="options">Settings; <see langword="null"/> for defaults (127.0.0.1, a free port).</param>
    /// <param name="cancellationToken">Cancels starting.</param>
    /// <returns>The running server.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="SocketException">The address cannot be bound.</exception>
    public static Task<WebSocketServer> StartAsync(Func<WebSocketConnection, IObservable<Message>> handler, WebSocketServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return StartAsync(WebSocketHandler.FromRx(handler), options, cancellationToken);
    }

    /// <summary>Starts a server with an async handler.</summary>
    /// <param name="handler">Runs once per connection; the connection closes when it returns. Its token is cancelled when the server stops, and when the connection has closed and the handler has taken the messages that arrived before the close (at most <see cref="WebSocketOptions.CloseTimeout"/> after the close, for a handler that does not read them).</param>
    /// <param name="options">Settings; <see langword="null"/> for defaults (127.0.0.1, a free port).</param>
    /// <param name="cancellationToken">Cancels starting.</param>
    /// <returns>The running server.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="SocketException">The address cannot be bound.</exception>
    public static async Task<WebSocketServer> StartAsync(Func<WebSocketConnection, CancellationToken, Task> handler, WebSocketServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        options ??= new WebSocketServerOptions();
        options.Validate();
        IPAddress address = await ResolveAsync(options.Host, cancellationToken).ConfigureAwait(false);
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.Equals(IPAddress.IPv6Any))
            {
                listener.DualMode = true;
            }

            listener.Bind(new IPEndPoint(address, options.Port));
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        var server = new WebSocketServer(handler, options, listener);
        Log.Listening(server._logger, server.EndPoint);
        server._acceptLoop = Task.Run(server.AcceptLoopAsync, CancellationToken.None);
        return server;
    }

    /// <summary>
    /// Sends <paramref name="message"/> to every open connection without waiting. A connection whose
    /// send queue is above its high-water mark is skipped for this message, so one slow client never
    /// stalls the others or grows memory (python websockets' <c>broadcast</c> goes further and
    /// ignores backpressure). The message is framed once for all of them (see <see cref="PreparedMessage"/>).
    /// </summary>
    /// <param name="message">The message.</param>
    /// <returns>The number of connections the message was queued for.</returns>
    /// <exception cref="ArgumentException">A text message contains a lone surrogate.</exception>
    public int Broadcast(Message message) => Broadcast(new PreparedMessage(message), _connections.Keys);

    /// <summary>Sends a message framed beforehand to every open connection without waiting, skipping slow ones (see <see cref="Broadcast(Message)"/>).</summary>
    /// <param name="message">The message.</param>
    /// <returns>The number of connections the message was queued for.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    public int Broadcast(PreparedMessage message) => Broadcast(message, _connections.Keys);

    /// <summary>Sends <paramref name="message"/> to each of <paramref name="connections"/>, skipping slow or closed ones (see <see cref="Broadcast(Message)"/>).</summary>
    /// <param name="message">The message.</param>
    /// <param name="connections">The recipients.</param>
    /// <returns>The number of connections the message was queued for.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="connections"/> is null.</exception>
    /// <exception cref="ArgumentException">A text message contains a lone surrogate.</exception>
    public static int Broadcast(Message message, IEnumerable<WebSocketConnection> connections) =>
        Broadcast(new PreparedMessage(message), connections);

    /// <summary>Sends a message framed beforehand to each of <paramref name="connections"/>, skipping slow or closed ones (see <see cref="Broadcast(Message)"/>).</summary>
    /// <param name="message">The message.</param>
    /// <param name="connections">The recipients.</param>
    /// <returns>The number of connections the message was queued for.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> or <paramref name="connections"/> is null.</exception>
    public static int Broadcast(PreparedMessage message, IEnumerable<WebSocketConnection> connections)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(connections);
        int sent = 0;
        foreach (WebSocketConnection connection in connections)
        {
            if (connection.TrySend(message))
            {
                sent++;
            }
        }

        return sent;
    }

    /// <summary>Stops the server gracefully (see the class remarks). Same as <see cref="StopAsync"/> without a token.</summary>
    /// <returns>A task that completes when every connection is closed.</returns>
    public ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));

    /// <summary>
    /// Stops accepting, answers handshakes in progress with 503, closes open connections with 1001,
    /// waits for handlers up to the close timeout, then aborts what is left.
    /// </summary>
    /// <param name="cancellationToken">Aborts the remaining connections at once when cancelled.</param>
    /// <returns>A task that completes when every connection is closed.</returns>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await _drained.Task.ConfigureAwait(false);
            return;
        }

        await _options.Execution.CancelAsync(_shutdown).ConfigureAwait(false);

        // The 1001 goes into every connection's outbox before any handler learns of the shutdown:
        // a handler that ends when its token is cancelled must not close first with a code of its
        // own (closes after the first do nothing more).
        foreach (WebSocketConnection connection in _connections.Keys)
        {
            _ = connection.CloseAsync(CloseCode.GoingAway, WebSocketHandler.ShutdownReason, CancellationToken.None);
        }

        // Handlers see their token cancelled now (it is not linked to _shutdown); a handler that
        // starts after this loop finds _shutdown cancelled (WebSocketHandler, HandlerCancellation.CreateToken).
        foreach (WebSocketConnection connection in _connections.Keys)
        {
            connection.HandlerCancellation.Cancel();
        }

        _listener?.Dispose();
        await _acceptLoop.ConfigureAwait(false);

        // No session starts any more; one that ends from now on completes _drained when it is the last.
        if (Volatile.Read(ref _active) == 0)
        {
            _drained.TrySetResult();
        }

        // Sessions that were registering while the first loop ran.
        foreach (WebSocketConnection connection in _connections.Keys)
        {
            _ = connection.CloseAsync(CloseCode.GoingAway, WebSocketHandler.ShutdownReason, CancellationToken.None);
        }

        Task all = _drained.Task;
        try
        {
            await all.WaitAsync(_options.CloseTimeout + TimeSpan.FromSeconds(1), _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            foreach (WebSocketConnection connection in _connections.Keys)
            {
                connection.Abort();
            }

            await all.ConfigureAwait(false);
        }

        lock (_registryLock)
        {
            _joined.OnCompleted();
            _left.OnCompleted();
        }
        _shutdown.Dispose();
    }

    /// <summary>
    /// Tells <see cref="Joined"/> or <see cref="Left"/> observers about <paramref name="connection"/>,
    /// one notification at a time. An observer that throws is logged and the connection goes on:
    /// the registry stays what it says, whatever the observers do.
    /// </summary>
    private void Notify(Subject<WebSocketConnection> registry, WebSocketConnection connection)
    {
        lock (_registryLock)
        {
            try
            {
                registry.OnNext(connection);
            }
            catch (Exception ex)
            {
                Log.RegistryObserverFailed(_logger, connection.Id, registry == _joined ? nameof(Joined) : nameof(Left), ex);
            }
        }
    }

    private static async Task<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out IPAddress? address))
        {
            return address;
        }

        IPAddress[] addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.First();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_shutdown.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener!.AcceptAsync(_shutdown.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || _shutdown.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                Log.AcceptFailed(_logger, ex); // a client reset before accept completed: keep serving
                continue;
            }

            // Counted here, before the session starts, so shutdown (which waits for the accept loop
            // first) never misses one; the session moves itself to the thread pool.
            int active = Interlocked.Increment(ref _active);
            _ = RunSessionAsync(socket, active);
        }
    }
}
