using System;
using System.IO;
using System.IO.Pipelines;
using System.Net;
using System.Threading;
using System.Threading.Tasks;

using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// A server without a listening socket: byte streams accepted elsewhere (in-memory pipes in a
/// test harness, a transport of the application's own, a Unix domain socket) are handed to
/// <see cref="RunAcceptedAsync(IDuplexPipe, EndPoint?, EndPoint?, CancellationToken)"/> or
/// <see cref="RunAcceptedAsync(Stream, EndPoint?, EndPoint?, CancellationToken)"/> and go
/// through the same steps as accepted sockets.
/// </summary>
public sealed partial class WebSocketServer
{
    /// <summary>
    /// Creates a server with an async handler that listens nowhere: connections come only through
    /// <see cref="RunAcceptedAsync(IDuplexPipe, EndPoint?, EndPoint?, CancellationToken)"/>. Everything
    /// else is the listening server's: the opening handshake, <see cref="WebSocketServerOptions.ProcessRequest"/>,
    /// limits, <see cref="Connections"/>, <see cref="Joined"/> and <see cref="Left"/>,
    /// <see cref="Broadcast(Message)"/>, and shutdown with 1001.
    /// </summary>
    /// <param name="handler">Runs once per connection; the connection closes when it returns (see <see cref="StartAsync(Func{WebSocketConnection, CancellationToken, Task}, WebSocketServerOptions?, CancellationToken)"/>).</param>
    /// <param name="options">
    /// Settings; <see langword="null"/> for defaults. <see cref="WebSocketServerOptions.Host"/> and
    /// <see cref="WebSocketServerOptions.Port"/> only name <see cref="EndPoint"/> and <see cref="Uri"/>;
    /// <see cref="WebSocketServerOptions.Tls"/> and the socket poller settings are not used (the
    /// streams handed over carry plain HTTP and WebSocket bytes).
    /// </param>
    /// <returns>The server, ready to run accepted streams.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static WebSocketServer CreateUnbound(Func<WebSocketConnection, CancellationToken, Task> handler, WebSocketServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        options ??= new WebSocketServerOptions();
        options.Validate();
        return new WebSocketServer(handler, options, listener: null);
    }

    /// <summary>Creates a server with an Rx handler that listens nowhere (see <see cref="CreateUnbound(Func{WebSocketConnection, CancellationToken, Task}, WebSocketServerOptions?)"/>).</summary>
    /// <param name="handler">Returns the messages to send; its completion closes the connection with 1000, its error with 1011.</param>
    /// <param name="options">Settings; <see langword="null"/> for defaults. Host and port only name the server; TLS is not used.</param>
    /// <returns>The server, ready to run accepted streams.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static WebSocketServer CreateUnbound(Func<WebSocketConnection, IObservable<Message>> handler, WebSocketServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return CreateUnbound(WebSocketHandler.FromRx(handler), options);
    }

    /// <summary>
    /// Runs one accepted connection as a session, as the accept loop runs a socket: the opening
    /// handshake read from <paramref name="transport"/> and answered on it (handshake rate,
    /// <see cref="WebSocketServerOptions.MaxConnections"/>, the open timeout on the options'
    /// <see cref="WebSocketOptions.TimeProvider"/>), then the handler, then cleanup. Counted in
    /// <see cref="ActiveSessions"/> from this call on, so shutdown waits for it; a server that is
    /// stopping answers 503. The session starts on the caller's thread and moves where the options'
    /// <see cref="WebSocketOptions.Execution"/> runs work once it has read the request.
    /// </summary>
    /// <param name="transport">
    /// The accepted byte stream, before the opening handshake; the session owns it from now on and
    /// completes both of its ends when it is done (completing the other side of its input is the
    /// peer closing the connection).
    /// </param>
    /// <param name="localEndPoint">What <see cref="WebSocketConnection.LocalEndPoint"/> reports, when there is an address.</param>
    /// <param name="remoteEndPoint">What <see cref="WebSocketConnection.RemoteEndPoint"/> reports and logs show, when there is an address.</param>
    /// <param name="cancellationToken">Aborts the session: a handshake in progress is dropped without an answer, an open connection is aborted as by <see cref="WebSocketConnection.Abort"/>.</param>
    /// <returns>A task that completes when the session is over; it never faults.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="transport"/> is null.</exception>
    /// <example>
    /// <code>
    /// // a server over a transport of the application's own, accepted as IDuplexPipe
    /// await using WebSocketServer server = WebSocketServer.CreateUnbound(async (ws, ct) =&gt; await ws.SendAsync("hi", ct));
    /// _ = server.RunAcceptedAsync(acceptedPipe);
    /// </code>
    /// </example>
    public Task RunAcceptedAsync(IDuplexPipe transport, EndPoint? localEndPoint = null, EndPoint? remoteEndPoint = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        return RunAcceptedAsync(new DuplexPipeTransport(transport, localEndPoint, remoteEndPoint, flushHandsOff: false), cancellationToken);
    }

    /// <summary>
    /// Runs one accepted connection given as a <see cref="Stream"/> as a session: the same as
    /// <see cref="RunAcceptedAsync(IDuplexPipe, EndPoint?, EndPoint?, CancellationToken)"/>, for a
    /// listener of the application's own that hands out streams: a Unix domain socket (behind nginx
    /// with <c>proxy_pass http://unix:/run/app.sock</c>, say), a named pipe, or an
    /// <see cref="System.Net.Security.SslStream"/> the application authenticated itself.
    /// </summary>
    /// <param name="transport">
    /// The accepted stream, readable and writable, before the opening handshake; the session owns
    /// it and disposes it when it is done. Under a <see cref="System.Net.Sockets.NetworkStream"/>,
    /// its socket is half-closed after the closing handshake and reset on abort, as the server's own
    /// sockets are, and gives the end points unless they are given here.
    /// </param>
    /// <param name="localEndPoint">What <see cref="WebSocketConnection.LocalEndPoint"/> reports; by default the socket's under a network stream.</param>
    /// <param name="remoteEndPoint">What <see cref="WebSocketConnection.RemoteEndPoint"/> reports and logs show; by default the socket's under a network stream.</param>
    /// <param name="cancellationToken">Aborts the session (see the pipe overload).</param>
    /// <returns>A task that completes when the session is over; it never faults.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="transport"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="transport"/> cannot both read and write.</exception>
    /// <example>
    /// <code>
    /// // a WebSocket server on a Unix domain socket
    /// using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    /// listener.Bind(new UnixDomainSocketEndPoint("/run/app.sock"));
    /// listener.Listen();
    /// await using WebSocketServer server = WebSocketServer.CreateUnbound(ws =&gt; ws);
    /// while (true)
    /// {
    ///     Socket accepted = await listener.AcceptAsync();
    ///     _ = server.RunAcceptedAsync(new NetworkStream(accepted, ownsSocket: true));
    /// }
    /// </code>
    /// </example>
    public Task RunAcceptedAsync(Stream transport, EndPoint? localEndPoint = null, EndPoint? remoteEndPoint = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        if (!transport.CanRead || !transport.CanWrite)
        {
            throw new ArgumentException("The stream must be readable and writable.", nameof(transport));
        }

        return RunAcceptedAsync(new StreamTransport(transport, null, localEndPoint, remoteEndPoint), cancellationToken);
    }

    /// <summary>Runs one accepted transport as a session (see the public overload).</summary>
    internal Task RunAcceptedAsync(ITransport transport, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);

        // Counted before stopping is checked: either StopAsync sees this session in _active and
        // waits for it, or this call sees the stop and refuses (both are full fences).
        int active = Interlocked.Increment(ref _active);
        if (Volatile.Read(ref _disposed) != 0)
        {
            return RefuseStoppedAsync(transport);
        }

        return RunAcceptedSessionAsync(transport, active, cancellationToken);
    }

    /// <summary>The end point an unbound server reports: its options' host (when it is an address) and port.</summary>
    private static IPEndPoint UnboundEndPoint(WebSocketServerOptions options) =>
        new(IPAddress.TryParse(options.Host, out IPAddress? address) ? address : IPAddress.Loopback, options.Port);

    /// <summary>The steps of <see cref="RunSessionAsync"/> that follow the creation of the transport.</summary>
    private async Task RunAcceptedSessionAsync(ITransport transport, int active, CancellationToken cancellationToken)
    {
        WebSocketConnection? connection = null;
        using HandshakeTelemetry telemetry = RxSocketsTelemetry.StartHandshake(_options.MeterFactory, _options.TimeProvider);
        try
        {
            if (_handshakeRate is not null && !_handshakeRate.TryTake())
            {
                var retry = new HttpHeaders();
                retry.Add("Retry-After", "1");
                await RespondAsync(transport, HandshakeResponse.CreateError(429, "Too many handshakes; try again later.", retry), null, telemetry).ConfigureAwait(false);
                return;
            }

            if (_options.MaxConnections > 0 && active > _options.MaxConnections)
            {
                await RespondAsync(transport, HandshakeResponse.CreateError(503, "Too many connections; try again later."), null, telemetry).ConfigureAwait(false);
                return;
            }

            connection = await HandshakeAsync(transport, telemetry, cancellationToken).ConfigureAwait(false);
            if (connection is null)
            {
                return;
            }

            using CancellationTokenRegistration abort = cancellationToken.UnsafeRegister(static state => ((WebSocketConnection)state!).Abort(), connection);
            try
            {
                await WebSocketHandler.RunAsync(connection, _handler, _logger, _shutdown.Token, callerCancelsOnStop: true).ConfigureAwait(false);
            }
            finally
            {
                _connections.TryRemove(connection, out _);
                Notify(_left, connection);
            }
        }
        catch (Exception ex)
        {
            Log.InternalError(_logger, connection?.Id ?? "-", ex);
        }
        finally
        {
            if (connection is null)
            {
                await DisposeQuietlyAsync(transport).ConfigureAwait(false);
            }

            EndAcceptedSession();
        }
    }

    /// <summary>Answers a stream handed over once stopping has started, as a handshake in progress is answered then.</summary>
    private async Task RefuseStoppedAsync(ITransport transport)
    {
        try
        {
            using HandshakeTelemetry telemetry = RxSocketsTelemetry.StartHandshake(_options.MeterFactory, _options.TimeProvider);
            await RespondAsync(transport, HandshakeResponse.CreateError(503, "The server is shutting down."), transport.RemoteEndPoint?.ToString(), telemetry).ConfigureAwait(false);
            await DisposeQuietlyAsync(transport).ConfigureAwait(false);
        }
        finally
        {
            EndAcceptedSession();
        }
    }

    /// <summary>Uncounts a session; the last one to end after shutdown started lets shutdown finish.</summary>
    private void EndAcceptedSession()
    {
        if (Interlocked.Decrement(ref _active) == 0 && _shutdown.IsCancellationRequested && _acceptLoop.IsCompleted)
        {
            _drained.TrySetResult();
        }
    }
}
