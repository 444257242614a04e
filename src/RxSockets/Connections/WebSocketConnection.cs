using System;
using System.Net;
using System.Threading;
using System.Threading.Channels;
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
/// One read loop and one write loop run per connection over the shared sans-I/O engine
/// (<see cref="ProtocolConnection"/>). The read loop always runs, subscribers or not: pings are
/// answered and closes completed even when nobody listens. Incoming messages wait in a bounded
/// queue (<see cref="WebSocketOptions.MaxQueue"/>); when it is full, reading pauses and TCP pushes
/// back on the peer.
/// </para>
/// <para>
/// The incoming stream completes on a normal close (1000, 1001 or no code, both ways) and fails
/// with <see cref="ConnectionClosedException"/> otherwise. Sending <c>OnCompleted</c> to the sink
/// closes with 1000; <c>OnError</c> closes with 1011, or with the status of a
/// <see cref="WebSocketCloseException"/>.
/// </para>
/// <para>
/// Thread safety: all members are thread-safe. Messages are delivered to observers one at a time,
/// in order, never while an internal lock is held (an observer may send from <c>OnNext</c>).
/// <c>ReceiveAsync</c> and Rx subscriptions compete for the same messages: use one style per
/// connection.
/// </para>
/// </remarks>
public sealed partial class WebSocketConnection : IObservable<Message>, IObserver<Message>, IAsyncDisposable
{
    private static long s_nextId;

    /// <summary>The engine; every call is made while holding <see cref="_engineLock"/>.</summary>
    private readonly ProtocolConnection _engine;

    /// <summary>Serializes engine calls between the read loop, the write loop and timers; never held across an await or a callback.</summary>
    private readonly Lock _engineLock = new();

    private readonly ITransport _transport;
    private readonly WebSocketOptions _options;
    private readonly ILogger _logger;

    /// <summary>Cancelled when the transport is aborted (close timeout, <see cref="Abort"/>); ends both loops at once.</summary>
    private readonly CancellationTokenSource _abort = new();

    /// <summary>Completes (never faults) once both loops ended and the transport is disposed.</summary>
    private readonly TaskCompletionSource _closed;

    /// <summary>How signals complete their waiters: asynchronously, or inline under <see cref="WebSocketOptions.InlineExecution"/>.</summary>
    private readonly TaskCreationOptions _signalOptions;

    /// <summary>The reason for closing that came from this side (a protocol error, a transport error, an overflow), if any.</summary>
    private Exception? _localError;

    /// <summary>Set once, when the read loop ends: the exception that describes how the connection closed.</summary>
    private ConnectionClosedException? _closedException;

    /// <summary>Timer that aborts the transport when the closing handshake takes longer than <see cref="WebSocketOptions.CloseTimeout"/>.</summary>
    private ITimer? _closeTimer;

    private Task _writeLoop = Task.CompletedTask;

    /// <summary>
    /// The handler's token source (set by <see cref="HandlerRunner"/>), or null: cancelled once the
    /// connection closed (by <see cref="FinishAsync"/> itself, with no continuation on
    /// <see cref="Completion"/>) or when the server stops (by the server, with no registration on
    /// its shutdown token). A linked source and a <c>ContinueWith</c> per connection held about
    /// 250 bytes per idle connection (issue 7).
    /// </summary>
    private CancellationTokenSource? _handlerCancel;

    internal WebSocketConnection(ITransport transport, ConnectionSide side, WebSocketOptions options, HandshakeRequest? request, string? subprotocol, PerMessageDeflate? compression = null)
    {
        _transport = transport;
        _options = options;
        _engine = new ProtocolConnection(side, options.Limits, options.MaskKeyProvider, compression);
        Id = $"{(side == ConnectionSide.Server ? "s" : "c")}{Interlocked.Increment(ref s_nextId)}";
        Request = request;
        Subprotocol = subprotocol;
        Side = side;
        _logger = options.LoggerFactory?.CreateLogger<WebSocketConnection>() ?? NullLogger<WebSocketConnection>.Instance;
        _signalOptions = options.InlineExecution ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously;
        _closed = new TaskCompletionSource(_signalOptions);
        _incoming = new BoundedQueue<Message>(options.MaxQueue, allowSynchronousContinuations: options.InlineExecution); // issue 7: ~600 B less than Channel.CreateBounded
        _outgoing = new SingleReaderChannel<OutgoingItem>(allowSynchronousContinuations: options.InlineExecution); // issue 7: ~1 KiB less than Channel.CreateUnbounded
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

            lock (_engineLock)
            {
                return _engine.State;
            }
        }
    }

    /// <summary>Completes when the connection is closed and its transport released; never faults.</summary>
    public Task Completion => _closed.Task;

    /// <summary>How the connection closed, once <see cref="Completion"/> has completed; otherwise <see langword="null"/>.</summary>
    public ConnectionClosedException? CloseInfo => _closedException;

    /// <summary>Starts the loops. Called once by the server or client after the opening handshake.</summary>
    internal void Start()
    {
        Log.Opened(_logger, Id, Side, Request?.Path);
        // Each loop moves itself to the thread pool (ThreadPoolSwitch), or runs inline under
        // InlineExecution: no Task.Run wrapper tasks kept alive per connection (issue 7).
        _writeLoop = WriteLoopAsync();
        if (_options.PingInterval is TimeSpan interval)
        {
            StartKeepAlive(interval);
        }

        // The read loop ends by running FinishAsync itself: no second state machine waits for it
        // on every idle connection (issue 7).
        _ = ReadLoopAsync();
    }

    /// <summary>
    /// Creates the token a handler runs with (<see cref="HandlerRunner"/>): cancelled once the
    /// connection is closed, or by <see cref="CancelHandler"/> (the server stopping).
    /// </summary>
    /// <param name="stopping">Already cancelled when the server is stopping: the token starts cancelled.</param>
    /// <returns>The handler's token.</returns>
    internal CancellationToken CreateHandlerToken(CancellationToken stopping)
    {
        var source = new CancellationTokenSource();
        if (Interlocked.CompareExchange(ref _handlerCancel, source, null) is { } existing)
        {
            return existing.Token; // one handler per connection
        }

        // Published before the checks (a full fence): whoever finishes later, this or
        // FinishAsync/StopAsync, sees the other and cancels.
        if (stopping.IsCancellationRequested || _closed.Task.IsCompleted)
        {
            CancelHandler();
        }

        return source.Token;
    }

    /// <summary>Cancels the handler's token, if a handler runs; callbacks registered on it run here.</summary>
    internal void CancelHandler()
    {
        if (Volatile.Read(ref _handlerCancel) is not { } source)
        {
            return;
        }

        try
        {
            source.Cancel();
        }
        catch (AggregateException ex)
        {
            Log.InternalError(_logger, Id, ex); // a callback registered by the handler threw
        }
    }

    /// <summary>A one-shot signal whose waiters run as <see cref="_signalOptions"/> says.</summary>
    private TaskCompletionSource NewSignal() => new(_signalOptions);

    /// <summary>
    /// Closes the connection: runs the closing handshake with 1000 (unless one is already under way)
    /// and waits until the transport is closed, at most <see cref="WebSocketOptions.CloseTimeout"/>
    /// plus a moment, since the close timeout aborts a peer that does not answer.
    /// </summary>
    /// <returns>A task that completes when the connection is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        StartClose(new CloseStatus(CloseCode.NormalClosure), completion: null);
        await _closed.Task.ConfigureAwait(false);
    }

    /// <summary>Closes both directions at once without a closing handshake (the peer sees 1006).</summary>
    public void Abort()
    {
        _localError ??= new OperationCanceledException("The connection was aborted.");
        AbortTransport();
    }

    private void AbortTransport()
    {
        if (!_abort.IsCancellationRequested)
        {
            try
            {
                _abort.Cancel();
            }
            catch (AggregateException)
            {
                // A registration threw; the loops still end.
            }

            // The read loop reads and the write loop waits without the abort token (a token
            // registration per idle connection, issue 7): wake both here.
            _transport.Input.CancelPendingRead();
            _outgoing.Writer.TryWrite(OutgoingItem.FlushPending);
            _transport.Abort();
        }
    }

    /// <summary>Starts the close timer once the closing handshake is under way (idempotent).</summary>
    private void ArmCloseTimer()
    {
        if (_closeTimer is null)
        {
            ITimer timer = _options.TimeProvider.CreateTimer(static state => ((WebSocketConnection)state!).OnCloseTimeout(), this, _options.CloseTimeout, Timeout.InfiniteTimeSpan);
            if (Interlocked.CompareExchange(ref _closeTimer, timer, null) is not null)
            {
                timer.Dispose();
            }
        }
    }

    private void OnCloseTimeout()
    {
        Log.CloseTimedOut(_logger, Id);
        AbortTransport();
    }

    /// <summary>Run by the read loop once it ended: waits for the write loop, releases the transport, and completes <see cref="Completion"/>.</summary>
    private async Task FinishAsync()
    {
        try
        {
            FailPendingPings(); // no pong can come any more; stops keepalive
            _outgoing.Writer.TryComplete();

            // Let the writer drain what is queued (a close echo, say), but never wait on a peer
            // that stopped reading for longer than the close timeout.
            try
            {
                await _writeLoop.WaitAsync(_options.CloseTimeout, _options.TimeProvider).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                AbortTransport();
                await _writeLoop.ConfigureAwait(false);
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
            lock (_engineLock)
            {
                _engine.Dispose(); // returns pooled buffers and frees zlib memory (permessage-deflate)
            }

            FailPendingPings();
            _closed.TrySetResult();
            CancelHandler(); // after Completion, as the ContinueWith on it did
            Log.Closed(_logger, Id, _closedException?.Message ?? "closed");
        }
    }

    /// <summary>Builds the exception that describes the closure, from the engine's view and the local error.</summary>
    private ConnectionClosedException DescribeClosure()
    {
        lock (_engineLock)
        {
            return DescribeClosureLocked();
        }
    }

    /// <summary><see cref="DescribeClosure"/> for callers that already hold the engine lock.</summary>
    private ConnectionClosedException DescribeClosureLocked() =>
        new(_engine.CloseReceived, _engine.CloseSent, _engine.CloseReceivedThenSent, _localError);

    /// <summary>The exception for an operation attempted after the connection closed (or while it is closing).</summary>
    private ConnectionClosedException ClosedError() => _closedException ?? DescribeClosure();
}
