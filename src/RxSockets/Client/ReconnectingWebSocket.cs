using System;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace RxSockets;

/// <summary>
/// A client that stays connected: one stream of messages across every connection it opens, one
/// sink that sends on whichever connection is open, and a stream of its states. When a connection
/// is lost or an attempt fails with a retryable error (<see cref="ReconnectOptions.ShouldReconnect"/>),
/// it waits (<see cref="ReconnectOptions.Backoff"/>) and connects again, running
/// <see cref="ReconnectOptions.OnConnected"/> on each new connection. Create it with
/// <see cref="WebSocketClient.Reconnecting(Uri, WebSocketClientOptions?, ReconnectOptions?)"/>.
/// </summary>
/// <remarks>
/// <para>
/// It starts connecting at the first subscription (or <see cref="ConnectAsync"/>) and runs until
/// <see cref="DisposeAsync"/> or the sink's <c>OnCompleted</c> (which close with 1000), the sink's
/// <c>OnError</c>, a final ending (a normal close by the server completes the stream; a fatal error
/// fails it), or until the backoff gives up (the last error fails it).
/// </para>
/// <para>
/// The message stream is hot and shared, like a connection's: messages go to the subscribers of the
/// moment, in order, one at a time, connection after connection (a connection's messages all come
/// before the next connection's). It never completes or fails because one connection ended, only when
/// the client ends. Subscribers after the end get the ending.
/// </para>
/// <para>Thread-safe: send, subscribe and dispose from any thread.</para>
/// </remarks>
public sealed partial class ReconnectingWebSocket : IObservable<Message>, IObserver<Message>, IAsyncDisposable
{
    private readonly Func<CancellationToken, Task<WebSocketConnection>> _connect;
    private readonly ReconnectOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _name;

    /// <summary>Guards the state below and the buffer of the sending side.</summary>
    private readonly Lock _gate = new();

    /// <summary>Every message of every connection goes through here to the current subscribers; ends with the client.</summary>
    private readonly Subject<Message> _messages = new();

    /// <summary>The states; replays the current one to each new subscriber; completes after <see cref="ReconnectState.Closed"/>.</summary>
    private readonly BehaviorSubject<ReconnectStatus> _states;

    /// <summary>Messages the sink could not deliver.</summary>
    private readonly ISubject<Message> _undelivered = Subject.Synchronize(new Subject<Message>());

    /// <summary>Cancelled when the application stops the client.</summary>
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Completes when the client is closed for good.</summary>
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The loop, once started; null before.</summary>
    private Task? _loop;

    /// <summary>The current state; changed only under <see cref="_gate"/>.</summary>
    private ReconnectStatus _status;

    /// <summary>The open connection that sends go to; null while none is open or while it is being set up.</summary>
    private WebSocketConnection? _open;

    /// <summary>Whether <see cref="Finish"/> ran.</summary>
    private bool _finished;

    /// <summary>How the application stopped the client: null while it did not; a request without an error is a normal stop.</summary>
    private StopRequest? _stopRequest;

    internal ReconnectingWebSocket(Func<CancellationToken, Task<WebSocketConnection>> connect, ReconnectOptions options, TimeProvider time, ILoggerFactory? loggerFactory, string name)
    {
        _connect = connect;
        _options = options;
        _time = time;
        _name = name;
        _logger = loggerFactory?.CreateLogger("RxSockets.ReconnectingWebSocket") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _status = new ReconnectStatus(ReconnectState.Idle, 0, TimeSpan.Zero, null, time.GetUtcNow());
        _states = new BehaviorSubject<ReconnectStatus>(_status);
    }

    /// <summary>The current state.</summary>
    public ReconnectStatus Status
    {
        get
        {
            lock (_gate)
            {
                return _status;
            }
        }
    }

    /// <summary>
    /// The states, starting with the current one: <see cref="ReconnectState.Connecting"/>,
    /// <see cref="ReconnectState.Open"/>, <see cref="ReconnectState.Reconnecting"/> (with the attempt,
    /// the delay and the error), …, <see cref="ReconnectState.Closed"/> (with the final error, if any),
    /// then completion. Delivered in order, on the thread that changed the state.
    /// </summary>
    public IObservable<ReconnectStatus> StateChanges => _states;

    /// <summary>The open connection, or <see langword="null"/> while reconnecting (for <c>PingAsync</c>, <c>Latency</c>, <c>Subprotocol</c>).</summary>
    public WebSocketConnection? Connection
    {
        get
        {
            lock (_gate)
            {
                return _open;
            }
        }
    }

    /// <summary>
    /// Messages given to the sink's <c>OnNext</c> that were not sent: while disconnected with
    /// <see cref="DisconnectedSends.Fail"/>, beyond <see cref="ReconnectOptions.BufferLimit"/>, or
    /// still buffered when the client ended. Completes when the client ends.
    /// </summary>
    public IObservable<Message> Undelivered => _undelivered.AsObservable();

    /// <summary>Completes when the client has ended (see <see cref="Status"/> for how); never faults.</summary>
    public Task Completion => _closed.Task;

    /// <summary>How the application asked the client to stop.</summary>
    private sealed record StopRequest(Exception? Error);

    /// <summary>Subscribes to the messages of every connection; the first subscription starts the client.</summary>
    /// <param name="observer">The observer.</param>
    /// <returns>Disposing it unsubscribes; the client keeps running until disposed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="observer"/> is null.</exception>
    public IDisposable Subscribe(IObserver<Message> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        IDisposable subscription = _messages.Subscribe(observer);
        Start();
        return subscription;
    }

    /// <summary>Starts the client if it has not started, and waits until a connection is open.</summary>
    /// <param name="cancellationToken">Stops waiting (the client goes on).</param>
    /// <returns>The open connection.</returns>
    /// <exception cref="InvalidOperationException">The client ended before a connection opened; the inner exception is why.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<WebSocketConnection> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var opened = new TaskCompletionSource<WebSocketConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable watch = _states.Subscribe(status =>
        {
            if (status.State == ReconnectState.Open && Connection is { } connection)
            {
                opened.TrySetResult(connection);
            }
            else if (status.State == ReconnectState.Closed)
            {
                opened.TrySetException(new InvalidOperationException("The reconnecting client ended before a connection opened.", status.Error));
            }
        });
        Start();
        return await opened.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the client: no more reconnecting; the open connection, if any, closes with 1000 (waiting
    /// up to its close timeout); the message stream completes; messages still buffered go to
    /// <see cref="Undelivered"/>.
    /// </summary>
    /// <returns>A task that completes when the client has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        RequestStop(new StopRequest(null));
        Task? loop;
        lock (_gate)
        {
            loop = _loop;
        }

        if (loop is null)
        {
            Finish(null);
        }
        else
        {
            await loop.ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    /// <summary>Starts the loop once.</summary>
    private void Start()
    {
        lock (_gate)
        {
            if (_loop is not null || _stopRequest is not null)
            {
                return;
            }

            _loop = Task.CompletedTask; // taken: RunAsync replaces it below
        }

        Task loop = RunAsync();
        lock (_gate)
        {
            _loop = loop;
        }
    }

    /// <summary>Records the application's stop and closes the open connection; the loop sees it and ends.</summary>
    private void RequestStop(StopRequest request)
    {
        WebSocketConnection? open;
        lock (_gate)
        {
            if (_stopRequest is not null)
            {
                return;
            }

            _stopRequest = request;
            open = _open;
        }

        _stop.Cancel();
        if (open is not null)
        {
            CloseAsRequested(open, request);
        }
    }

    /// <summary>Closes <paramref name="connection"/> as the application asked: 1000, or as the sink's <c>OnError</c> says.</summary>
    private static void CloseAsRequested(WebSocketConnection connection, StopRequest request)
    {
        if (request.Error is null)
        {
            connection.OnCompleted();
        }
        else
        {
            connection.OnError(request.Error);
        }
    }

    /// <summary>Moves to <paramref name="state"/> and tells the state's subscribers.</summary>
    private void Publish(ReconnectState state, int attempt, TimeSpan delay = default, Exception? error = null)
    {
        var status = new ReconnectStatus(state, attempt, delay, error, _time.GetUtcNow());
        lock (_gate)
        {
            if (_status.State == ReconnectState.Closed)
            {
                return;
            }

            _status = status;
        }

        _states.OnNext(status);
    }

    /// <summary>Ends the client once: Closed, then the streams' endings, then <see cref="Completion"/>.</summary>
    /// <param name="error">Null to complete the message stream; otherwise it fails with this.</param>
    private void Finish(Exception? error)
    {
        lock (_gate)
        {
            if (_finished)
            {
                return;
            }

            _finished = true;
        }

        Publish(ReconnectState.Closed, 0, TimeSpan.Zero, error);
        _states.OnCompleted();
        DrainBufferToUndelivered();
        _undelivered.OnCompleted();
        if (error is null)
        {
            _messages.OnCompleted();
        }
        else
        {
            _messages.OnError(error);
        }

        _closed.TrySetResult();
    }
}
