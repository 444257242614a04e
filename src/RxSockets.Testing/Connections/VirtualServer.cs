using System;
using System.Collections.Generic;
using System.Reactive.Concurrency;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Reactive.Testing;

namespace RxSockets.Testing;

/// <summary>
/// A whole <see cref="WebSocketServer"/> in virtual time: the real server (opening handshake,
/// <c>ProcessRequest</c>, subprotocols, origins, <c>MaxConnections</c>, the registry,
/// <c>Joined</c>/<c>Left</c>, <c>Broadcast</c>, keepalive, shutdown with 1001) accepting
/// <see cref="VirtualClient"/>s over in-memory links instead of sockets, every timer on a
/// <c>TestScheduler</c>. Hours of virtual time take milliseconds.
/// </summary>
/// <remarks>
/// <para>
/// Clients are written as diagrams on one timeline that starts when the server starts
/// (<see cref="Origin"/>): <c>server.Connect("--^-a--|")</c> connects at 20, sends a at 40 and
/// closes at 70. Everything runs inline on the test's thread: a message sent at a virtual instant
/// is handled and answered within it, unless link faults add latency.
/// </para>
/// <example>
/// <code>
/// var scheduler = new TestScheduler();
/// await using VirtualServer chat = VirtualServer.Start(scheduler, ws =&gt; ws.Do(m =&gt; WebSocketServer.Broadcast(m, registry)).IgnoreElements());
/// VirtualClient alice = chat.Connect("^-a---b-|");
/// VirtualClient bob = chat.Connect("--^-------|");
/// scheduler.AdvanceTo(200);
/// bob.AssertReceived("-----b---|");
/// </code>
/// </example>
/// <para>Not thread-safe: drive it from the test's thread, like the scheduler.</para>
/// </remarks>
public sealed class VirtualServer : IAsyncDisposable
{
    /// <summary>The host clients connect to; the request's <c>Host</c> header.</summary>
    private static readonly Uri s_base = new("ws://localhost/");

    private readonly VirtualTimeScheduler<long, long> _scheduler;
    private readonly TestScheduler? _recorder;
    private readonly List<VirtualClient> _clients = [];
    private bool _stopped;
    private bool _disposed;

    private VirtualServer(VirtualTimeScheduler<long, long> scheduler, TestScheduler? recorder, WebSocketServer server)
    {
        _scheduler = scheduler;
        _recorder = recorder;
        Server = server;
        Origin = scheduler.Clock;
    }

    /// <summary>The server: <see cref="WebSocketServer.Connections"/>, <see cref="WebSocketServer.Joined"/>, <see cref="WebSocketServer.Left"/>, <see cref="WebSocketServer.Broadcast(Message)"/>. It has no socket: its end point only names the options' host and port.</summary>
    public WebSocketServer Server { get; }

    /// <summary>The virtual time the server started at: time 0 of every client diagram.</summary>
    public long Origin { get; }

    /// <summary>The clients, in the order they were added.</summary>
    public IReadOnlyList<VirtualClient> Clients => _clients;

    /// <summary>Starts a server with an Rx handler (the stream it returns is sent; its completion closes with 1000, its error with 1011).</summary>
    /// <param name="scheduler">The virtual clock of the server and its clients.</param>
    /// <param name="handler">The handler under test.</param>
    /// <param name="options">Server settings (subprotocols, <c>ProcessRequest</c>, keepalive, limits…); <see langword="null"/> for defaults. Copied; the clock becomes the scheduler's. <see cref="WebSocketServerOptions.Tls"/> is not used.</param>
    /// <returns>The started server.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="scheduler"/> or <paramref name="handler"/> is null.</exception>
    public static VirtualServer Start(TestScheduler scheduler, Func<WebSocketConnection, IObservable<Message>> handler, WebSocketServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(scheduler);
        return Create(scheduler, scheduler, o => WebSocketServer.CreateUnbound(handler, o), options);
    }

    /// <summary>Starts a server with an async handler (the connection closes when it returns; its token is cancelled when the connection closes or the server stops).</summary>
    /// <param name="scheduler">The virtual clock of the server and its clients.</param>
    /// <param name="handler">The handler under test.</param>
    /// <param name="options">Server settings; <see langword="null"/> for defaults. Copied; the clock becomes the scheduler's. <see cref="WebSocketServerOptions.Tls"/> is not used.</param>
    /// <returns>The started server.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="scheduler"/> or <paramref name="handler"/> is null.</exception>
    public static VirtualServer Start(TestScheduler scheduler, Func<WebSocketConnection, CancellationToken, Task> handler, WebSocketServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(handler);
        return Create(scheduler, scheduler, o => WebSocketServer.CreateUnbound(handler, o), options);
    }

    /// <summary>
    /// Creates a server with <paramref name="createServer"/> (one of the <see cref="WebSocketServer.CreateUnbound(Func{WebSocketConnection, CancellationToken, Task}, WebSocketServerOptions?)"/>
    /// overloads) over a virtual copy of <paramref name="options"/>; its clients record what they
    /// receive only when <paramref name="recorder"/> is given.
    /// </summary>
    internal static VirtualServer Create(VirtualTimeScheduler<long, long> scheduler, TestScheduler? recorder, Func<WebSocketServerOptions, WebSocketServer> createServer, WebSocketOptions? options) =>
        new(scheduler, recorder, createServer(VirtualOptions.ForServer(options, scheduler)));

    /// <summary>
    /// Adds a client that connects at its diagram's <c>^</c> (at once without one, or when that time
    /// has passed), runs the opening handshake, plays the diagram and records what it receives.
    /// </summary>
    /// <param name="client">What the client does, on the server's timeline (see <see cref="VirtualClient"/>); empty: it connects and stays.</param>
    /// <param name="path">The request target: path and query, for example <c>"/chat?room=1"</c>.</param>
    /// <param name="options">Client settings; a <see cref="WebSocketClientOptions"/> also sets the handshake's headers, origin and subprotocols. <see langword="null"/> for defaults.</param>
    /// <param name="values">What each character stands for; <see langword="null"/> for <see cref="Marbles.Letters"/>.</param>
    /// <param name="configure">Called before the handshake, to inject faults into the client's links.</param>
    /// <param name="pipeBuffer">Bytes each direction buffers before its writer waits: the "socket buffer" a slow client fills.</param>
    /// <returns>The client; its connection opens now if its time has come, otherwise when it does.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> or <paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException">The diagram is malformed.</exception>
    /// <exception cref="ObjectDisposedException">The server was disposed.</exception>
    public VirtualClient Connect(string client = "", string path = "/", WebSocketOptions? options = null, IReadOnlyDictionary<char, Message>? values = null, Action<VirtualClient>? configure = null, long pipeBuffer = 64 * 1024) =>
        Connect(client, path, options, values, configure, opened: null, pipeBuffer);

    /// <summary>
    /// Opens a plain client connection now, as <see cref="WebSocketClient.ConnectAsync(Uri, WebSocketClientOptions?, System.Threading.CancellationToken)"/>
    /// would against a real server, for testing client code (a reconnecting client, a protocol on
    /// top of messages) against this server in virtual time. Nothing records or subscribes to it: the
    /// first subscriber gets every message, and the caller owns the connection. Its
    /// <see cref="VirtualClient"/> is in <see cref="Clients"/> (faults, close frames).
    /// </summary>
    /// <param name="path">The request target: path and query.</param>
    /// <param name="options">Client settings (headers, subprotocols, keepalive…); <see langword="null"/> for defaults.</param>
    /// <param name="configure">Called before the handshake, to inject faults into the client's links.</param>
    /// <returns>
    /// The connection once the handshake succeeded (inline, unless faults delay it); a
    /// <see cref="HandshakeRejectedException"/> or <see cref="HandshakeException"/> as a real client
    /// would get one, for example <see cref="HandshakeFailure.ServerClosed"/> once the server stopped.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The server was disposed.</exception>
    public Task<WebSocketConnection> ConnectAsync(string path = "/", WebSocketClientOptions? options = null, Action<VirtualClient>? configure = null) =>
        Connect(string.Empty, path, options, null, configure, opened: null, 64 * 1024, record: false).Connected;

    /// <summary>See the public overload; <paramref name="opened"/> runs after the handshake and before the diagram's first step; <paramref name="record"/> false leaves the connection to the caller.</summary>
    internal VirtualClient Connect(string client, string path, WebSocketOptions? options, IReadOnlyDictionary<char, Message>? values, Action<VirtualClient>? configure, Action<VirtualClient>? opened, long pipeBuffer, bool record = true)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(path);
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(pipeBuffer, 1);
        values ??= Marbles.Letters;
        (DiagramEvent[] script, long connectFrame, _) = ConnectionDiagram.Parse(client, values);
        var uri = new Uri(s_base, path);
        WebSocketClientOptions clientOptions = VirtualOptions.ForClient(options, _scheduler);

        InMemoryDuplexPipe clientEnd = InMemoryDuplexPipe.CreateEnd(pipeBuffer, inline: true);
        InMemoryDuplexPipe serverEnd = InMemoryDuplexPipe.CreateEnd(pipeBuffer, inline: true);
        var clientToServer = new VirtualLink(clientEnd.PeerInput, serverEnd.PeerOutput, _scheduler, carriesResponse: false);
        var serverToClient = new VirtualLink(serverEnd.PeerInput, clientEnd.PeerOutput, _scheduler, carriesResponse: true);
        var virtualClient = new VirtualClient(_scheduler, clientEnd, clientToServer, serverToClient, record ? _recorder?.CreateObserver<Message>() : null, values, Origin);
        _clients.Add(virtualClient);
        configure?.Invoke(virtualClient);
        clientToServer.Start();
        serverToClient.Start();

        long due = Origin + (Math.Max(connectFrame, 0) * Marbles.DefaultFrameTicks);
        if (due <= _scheduler.Clock)
        {
            Open();
        }
        else
        {
            _scheduler.ScheduleAbsolute(due, Open);
        }

        return virtualClient;

        void Open()
        {
            if (_disposed)
            {
                return;
            }

            using (NoSynchronizationContext.Enter())
            {
                if (_stopped)
                {
                    _ = RefuseAsync(serverEnd); // nothing listens any more: the client sees the connection close
                }
                else
                {
                    _ = Server.RunAcceptedAsync(serverEnd);
                }

                virtualClient.Start(() => VirtualClientHandshake.ConnectAsync(clientEnd, uri, clientOptions), script, opened);
            }
        }
    }

    /// <summary>Closes an end nobody serves, as a port nobody listens on would: the client reads the end of the stream.</summary>
    private static async Task RefuseAsync(InMemoryDuplexPipe serverEnd)
    {
        await serverEnd.Output.CompleteAsync().ConfigureAwait(false);
        await serverEnd.Input.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the server as <see cref="WebSocketServer.StopAsync"/> does: handshakes in progress get
    /// 503, open connections close with 1001 "server shutting down", and what has not closed after
    /// the close timeout (in virtual time) is aborted.
    /// </summary>
    /// <returns>A task that completes once every connection is closed; advance the scheduler if a client does not answer.</returns>
    public Task StopAsync()
    {
        _stopped = true;
        using (NoSynchronizationContext.Enter())
        {
            return Server.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Aborts every client and server connection and stops the server, without advancing virtual
    /// time. A handler that ignores its cancellation token and waits on the virtual clock is left
    /// where it is: nothing runs once the test stops advancing the scheduler.
    /// </summary>
    /// <returns>A task that completes when done.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stopped = true;
        Task stop;
        using (NoSynchronizationContext.Enter())
        {
            foreach (VirtualClient client in _clients)
            {
                client.Abort();
            }

            foreach (WebSocketConnection connection in Server.Connections)
            {
                connection.Abort();
            }

            stop = Server.StopAsync(new CancellationToken(canceled: true)); // no waiting for closing handshakes

        }

        if (stop.IsCompleted)
        {
            await stop.ConfigureAwait(false);
        }
    }
}
