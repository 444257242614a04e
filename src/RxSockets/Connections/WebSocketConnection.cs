using System;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// An open WebSocket connection, client or server side. Incoming messages are an
/// <see cref="IObservable{T}"/> of <see cref="Message"/>; the connection itself is an
/// <see cref="IObserver{T}"/> sink for outgoing messages. <c>SendAsync</c>/<c>ReceiveAsync</c>
/// offer the same through <c>await</c>.
/// </summary>
/// <remarks>
/// <para>
/// One read loop per connection feeds the shared sans-I/O engine (<see cref="ProtocolConnection"/>);
/// it always runs, subscribers or not: pings are answered and closes completed even when nobody
/// listens. Incoming messages wait in a bounded queue (<see cref="WebSocketOptions.MaxQueue"/>);
/// when it is full, reading pauses and TCP pushes back on the peer. Once this side has sent its
/// close frame, reading never pauses again (messages that find the queue full are dropped) so the
/// peer's close frame is always seen. Every frame sent goes through one outbox, in the order it
/// was accepted.
/// </para>
/// <para>
/// The incoming stream completes on a normal close (1000, 1001 or no code, both ways) and fails
/// with <see cref="ConnectionClosedException"/> otherwise. Sending <c>OnCompleted</c> to the sink
/// closes with 1000; <c>OnError</c> closes with 1011, or with the status of a
/// <see cref="WebSocketCloseException"/>. When the peer breaks the protocol, whatever arrived
/// before is still delivered and answered: the connection closes once the consumer has taken those
/// messages (at most <see cref="WebSocketOptions.CloseTimeout"/> later).
/// </para>
/// <para>
/// Thread safety: all members are thread-safe. Messages are delivered to observers one at a time,
/// in order, never while an internal lock is held (an observer may send from <c>OnNext</c>).
/// Sends from any number of threads go out in the order they were accepted. One consumer style
/// per connection: an Rx subscription, or <c>ReceiveAsync</c> calls one at a time, or one
/// <c>ReadAllAsync</c> enumeration at a time; a second one at the same time throws
/// <see cref="InvalidOperationException"/>.
/// </para>
/// </remarks>
public sealed partial class WebSocketConnection : IObservable<Message>, IObserver<Message>, IAsyncDisposable
{
    private static long s_nextId;

    /// <summary>The engine; every call is made while holding <see cref="_lock"/>.</summary>
    private readonly ProtocolConnection _engine;

    /// <summary>Guards the engine, the outbox and keepalive; never held across an await or a callback into user code.</summary>
    private readonly Lock _lock = new();

    private readonly ITransport _transport;
    private readonly WebSocketOptions _options;
    private readonly ILogger _logger;

    /// <summary>Every frame this side sends goes through it.</summary>
    internal Outbox Outbox { get; }

    /// <summary>The token a server handler runs with (see <see cref="RxSockets.HandlerCancellation"/>).</summary>
    internal HandlerCancellation HandlerCancellation { get; }

    /// <summary>The read loop and what it does with each event.</summary>
    private readonly Inbound _inbound;

    /// <summary>Cancelled when the transport is aborted (close timeout, <see cref="Abort"/>).</summary>
    private readonly CancellationTokenSource _abort = new();

    /// <summary>Completes (never faults) once the read loop ended, the outbox drained and the transport is disposed.</summary>
    private readonly TaskCompletionSource _closed;

    /// <summary>The reason for closing that came from this side (a protocol error, a transport error, an overflow); set once, the first wins.</summary>
    private Exception? _localError;

    /// <summary>Set once, when the read loop ends: the exception that describes how the connection closed.</summary>
    private ConnectionClosedException? _closedException;

    /// <summary>Timer that aborts the transport when the closing handshake takes longer than <see cref="WebSocketOptions.CloseTimeout"/>.</summary>
    private ITimer? _closeTimer;

    /// <summary>The <see cref="Metrics"/> tag of <see cref="Side"/>.</summary>
    private readonly System.Collections.Generic.KeyValuePair<string, object?> _sideTag;

    /// <summary>When <see cref="Start()"/> ran (a <see cref="TimeProvider"/> timestamp), for <c>rxsockets.connection.duration</c>.</summary>
    private long _startedAt;

    internal WebSocketConnection(ITransport transport, ConnectionSide side, WebSocketOptions options, HandshakeRequest? request, string? subprotocol, PerMessageDeflate? compression = null)
    {
        _transport = transport;
        _options = options;
        _engine = new ProtocolConnection(side, options.Limits, options.MaskKeyProvider, compression) { DeferFailure = true };
        Id = $"{(side == ConnectionSide.Server ? "s" : "c")}{Interlocked.Increment(ref s_nextId)}";
        Request = request;
        Subprotocol = subprotocol;
        Side = side;
        _logger = options.LoggerFactory?.CreateLogger<WebSocketConnection>() ?? NullLogger<WebSocketConnection>.Instance;
        Metrics = RxSocketsMetrics.For(options.MeterFactory);
        _sideTag = RxSocketsMetrics.SideTag(side);
        _closed = options.Execution.NewSignal();
        _incoming = new IncomingQueue<Message>(options.MaxQueue, options.Execution.RunContinuationsAsynchronously);
        Outbox = new Outbox(this, _engine, _lock, transport, options);
        HandlerCancellation = new HandlerCancellation(_incoming, _closed.Task, options, _logger, Id);
        _inbound = new Inbound(this, _engine, _lock, transport, options, _incoming, Outbox);
    }

    /// <summary>A short identifier, unique in this process, used in logs ("s12" for a server connection).</summary>
    public string Id { get; }

    /// <summary>Whether this is the client or the server end.</summary>
    public ConnectionSide Side { get; }

    /// <summary>The opening handshake request: on the server, what the client asked for (path, query, headers).</summary>
    public HandshakeRequest? Request { get; }

    /// <summary>The request path on the server (for example "/chat"), or "/" when unknown.</summary>
    public string Path => Request?.Path ?? "/";

    /// <summary>The negotiated subprotocol, or <see langword="null"/>.</summary>
    public string? Subprotocol { get; }

    /// <summary>permessage-deflate as negotiated (see <see cref="WebSocketOptions.Compression"/>), or <see langword="null"/> when messages are not compressed.</summary>
    public PerMessageDeflate? Compression => _engine.Compression;

    /// <summary>The peer's address, when the transport has one.</summary>
    public EndPoint? RemoteEndPoint => _transport.RemoteEndPoint;

    /// <summary>The local address, when the transport has one.</summary>
    public EndPoint? LocalEndPoint => _transport.LocalEndPoint;

    /// <summary>The connection state.</summary>
    public ConnectionState State
    {
        get
        {
            if (_closed.Task.IsCompleted)
            {
                return ConnectionState.Closed;
            }

            lock (_lock)
            {
                return _engine.State;
            }
        }
    }

    /// <summary>Completes when the connection is closed and its transport released; never faults.</summary>
    public Task Completion => _closed.Task;

    /// <summary>
    /// How the connection closed, once <see cref="Completion"/> has completed (codes and reasons of
    /// both sides, <see cref="ConnectionClosedException.IsNormal"/>); otherwise <see langword="null"/>.
    /// </summary>
    public ConnectionClosedException? ClosedException => _closedException;

    /// <summary>The options the connection runs with.</summary>
    internal WebSocketOptions Options => _options;

    /// <summary>Where the connection logs.</summary>
    internal ILogger Logger => _logger;

    /// <summary>Where the connection reports its metrics.</summary>
    internal RxSocketsMetrics Metrics { get; }

    /// <summary>Whether the transport was aborted.</summary>
    internal bool IsAborted => _abort.IsCancellationRequested;

    /// <summary>Cancelled when the transport is aborted: flushes stop waiting.</summary>
    internal CancellationToken AbortToken => _abort.Token;

    /// <summary>Starts the read loop (and keepalive). Called once by the server or client after the opening handshake.</summary>
    internal void Start()
    {
        Log.Opened(_logger, Id, Side, Request?.Path);
        _startedAt = _options.TimeProvider.GetTimestamp();
        Metrics.Opened(_sideTag);
        if (_options.PingInterval is TimeSpan interval)
        {
            EnsureKeepAlive().Start(interval);
        }

        // The read loop ends by running FinishAsync itself: no second state machine waits for it.
        _ = _inbound.RunAsync();

        // A server's session held the output while it wrote the 101 (Outbox.HoldForHandshake):
        // what was sent to the connection meanwhile goes out now, in order, after the 101.
        Outbox.EndHandshakeHold();
    }

    /// <summary>
    /// The 101 response could not be written (the client went away, the open timeout, shutdown, an
    /// abort): the connection never starts. What was sent to it meanwhile fails, and the connection
    /// ends (<see cref="Completion"/>, the incoming stream); the session releases the transport.
    /// </summary>
    /// <param name="error">Why the handshake failed.</param>
    internal void AbandonHandshake(Exception error)
    {
        RecordError(error);
        ConnectionClosedException closed = ClosedError();
        Interlocked.Exchange(ref _closedException, closed);
        _incoming.Complete(closed);
        Volatile.Read(ref _keepAlive)?.End();
        Outbox.End(closed);
        Outbox.EndHandshakeHold();
        _closeTimer?.Dispose();
        lock (_lock)
        {
            _engine.Dispose();
        }

        _closed.TrySetResult();
    }

    /// <summary>
    /// Closes the connection: runs the closing handshake with 1000 (unless one is already under way)
    /// and waits until the transport is closed, at most <see cref="WebSocketOptions.CloseTimeout"/>
    /// plus a moment, since the close timeout aborts a peer that does not answer.
    /// </summary>
    /// <returns>A task that completes when the connection is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        StartClose(new CloseStatus(CloseCode.NormalClosure));
        await _closed.Task.ConfigureAwait(false);
    }

    /// <summary>Closes both directions at once without a closing handshake (the peer sees 1006).</summary>
    public void Abort()
    {
        RecordError(new OperationCanceledException("The connection was aborted."));
        AbortTransport();
    }

    /// <summary>Records why this side closes; the first reason wins, whichever thread records it.</summary>
    internal void RecordError(Exception error) => Interlocked.CompareExchange(ref _localError, error, null);

    /// <summary>
    /// A write or flush into the transport failed: records it (unless it is the consequence of our
    /// own abort), aborts the transport, and returns what senders are told.
    /// </summary>
    internal ConnectionClosedException TransportFailed(Exception ex)
    {
        if (!(ex is OperationCanceledException && IsAborted))
        {
            RecordError(ex);
            Log.TransportError(_logger, Id, ex);
        }

        AbortTransport();
        return ClosedError();
    }

    /// <summary>The outbox wrote this side's close frame: reading must not pause any more, and the close timeout runs.</summary>
    internal void OnCloseSent()
    {
        _incoming.WakeWriter();
        _inbound.OnCloseSent();
        ArmCloseTimer();
    }

    /// <summary>A pong arrived: it answers the pings it names.</summary>
    internal void OnPong(ReadOnlySpan<byte> payload) => Volatile.Read(ref _keepAlive)?.OnPong(payload);

    /// <summary>The exception for an operation attempted after the connection closed (or while it is closing).</summary>
    internal ConnectionClosedException ClosedError()
    {
        if (_closedException is { } closed)
        {
            return closed;
        }

        lock (_lock)
        {
            return ClosedErrorLocked();
        }
    }

    /// <summary><see cref="ClosedError"/> for callers that hold the lock.</summary>
    internal ConnectionClosedException ClosedErrorLocked() =>
        _closedException ?? new ConnectionClosedException(_engine.CloseReceived, _engine.CloseSent, _engine.CloseReceivedThenSent, Volatile.Read(ref _localError));

    private void AbortTransport()
    {
        if (_abort.IsCancellationRequested)
        {
            return;
        }

        try
        {
            _abort.Cancel();
        }
        catch (AggregateException)
        {
            // A registration threw; the loops still end.
        }

        _transport.Input.CancelPendingRead(); // the read loop reads without the token
        _incoming.WakeWriter();
        _transport.Abort();
    }

    /// <summary>Starts the close timer once the closing handshake is under way (idempotent).</summary>
    internal void ArmCloseTimer() =>
        OnceTimer.Arm(ref _closeTimer, _options.TimeProvider, _options.CloseTimeout, static state => ((WebSocketConnection)state!).OnCloseTimeout(), this);

    private void OnCloseTimeout()
    {
        Log.CloseTimedOut(_logger, Id);
        AbortTransport();
    }

    /// <summary>
    /// Run by the read loop once it ended: records how the connection closed, ends the incoming
    /// stream, lets the outbox drain, releases the transport, and completes <see cref="Completion"/>.
    /// </summary>
    internal async Task FinishAsync()
    {
        ConnectionClosedException closed = ClosedError();
        Interlocked.Exchange(ref _closedException, closed); // a full fence: see EnsureKeepAlive
        _incoming.Complete(closed.IsNormal ? null : closed);
        try
        {
            Volatile.Read(ref _keepAlive)?.End(); // no pong can come any more; stops keepalive

            // Nothing queued can be sent any more (the engine is closed): its senders learn it now.
            // What the writer is writing (a close echo) goes on, but never waits on a peer that
            // stopped reading for longer than the close timeout.
            Outbox.End(ClosedError());
            try
            {
                await Outbox.IdleAsync().WaitAsync(_options.CloseTimeout, _options.TimeProvider).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                AbortTransport();
            }

            await _transport.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Disposing a transport the peer already reset may throw; the connection is closed either way.
            Log.InternalError(_logger, Id, ex);
            _transport.Abort();
        }
        finally
        {
            _closeTimer?.Dispose();
            lock (_lock)
            {
                _engine.Dispose(); // returns pooled buffers and frees zlib memory (permessage-deflate)
            }

            Volatile.Read(ref _keepAlive)?.End();
            Metrics.Closed(_sideTag, _options.TimeProvider.GetElapsedTime(_startedAt), (int)closed.Code, closed.ReceivedThenSent);
            _closed.TrySetResult();
            HandlerCancellation.CancelOnceDrained();
            Log.Closed(_logger, Id, _closedException?.Message ?? "closed");
        }
    }
}
