using System;
using System.Collections.Generic;
using System.Linq;
using System.Reactive;
using System.Reactive.Concurrency;
using System.Threading.Tasks;
using Microsoft.Reactive.Testing;

namespace RxSockets.Testing;

/// <summary>
/// One client of a <see cref="VirtualServer"/>: a real RxSockets client connection over an
/// in-memory link, opened with a real opening handshake, that plays a diagram and records what the
/// server sent, in virtual time.
/// </summary>
/// <remarks>
/// <para>
/// The diagram is on the server's timeline: time 0 is when the server started, <c>^</c> is when this
/// client connects (the start of the diagram without one). A value is sent, <c>*</c> sends a ping,
/// <c>|</c> closes with 1000, <c>#</c> fails the client (1011), and <c>|{code}</c> or
/// <c>#{code}</c> closes with that code. What comes due before the handshake completed (under
/// latency) is sent as soon as it has; nothing is sent after a failed handshake.
/// </para>
/// <para>Not thread-safe: drive it from the test's thread, like the scheduler.</para>
/// </remarks>
public sealed class VirtualClient
{
    private readonly VirtualTimeScheduler<long, long> _scheduler;
    private readonly InMemoryDuplexPipe _clientEnd;
    private readonly VirtualLink _clientToServer;
    private readonly VirtualLink _serverToClient;
    private readonly ITestableObserver<Message>? _received;
    private readonly IReadOnlyDictionary<char, Message> _values;
    private readonly Queue<DiagramEvent> _waiting = new();
    private Action<VirtualClient>? _opened;
    private bool _stopped;

    internal VirtualClient(VirtualTimeScheduler<long, long> scheduler, InMemoryDuplexPipe clientEnd, VirtualLink clientToServer, VirtualLink serverToClient, ITestableObserver<Message>? received, IReadOnlyDictionary<char, Message> values, long origin)
    {
        _scheduler = scheduler;
        _clientEnd = clientEnd;
        _clientToServer = clientToServer;
        _serverToClient = serverToClient;
        _received = received;
        _values = values;
        Origin = origin;
        Connected = new TaskCompletionSource<WebSocketConnection>().Task; // until Start

    }

    /// <summary>The client connection once the opening handshake succeeded; <see langword="null"/> before, or when it failed.</summary>
    public WebSocketConnection? Connection { get; private set; }

    /// <summary>
    /// Completes with the connection when the handshake succeeds, or fails with the
    /// <see cref="HandshakeRejectedException"/> (another status than 101) or
    /// <see cref="HandshakeException"/> (timeout, dropped, invalid answer) a real client would get.
    /// </summary>
    public Task<WebSocketConnection> Connected { get; private set; }

    /// <summary>The virtual time the client's diagram counts from (the server's start).</summary>
    public long Origin { get; }

    /// <summary>Faults on the bytes the client sends; set them in the <c>configure</c> callback to affect the handshake.</summary>
    public LinkFaults ClientToServer => _clientToServer.Faults;

    /// <summary>Faults on the bytes the server sends.</summary>
    public LinkFaults ServerToClient => _serverToClient.Faults;

    /// <summary>
    /// Every message the server sent, at the virtual time the client received it, then
    /// <c>OnCompleted</c> after a normal close or <c>OnError(ConnectionClosedException)</c> otherwise.
    /// </summary>
    public IList<Recorded<Notification<Message>>> Received => _received?.Messages ?? [];

    /// <summary>Virtual times at which pings from the server (keepalive) reached the client.</summary>
    public IReadOnlyList<long> PingsReceived => _serverToClient.Tap.Pings;

    /// <summary>Virtual times at which this client's pings (<c>*</c> in its diagram, keepalive) reached the server.</summary>
    public IReadOnlyList<long> PingsSent => _clientToServer.Tap.Pings;

    /// <summary>The close frame the client received from the server, if any.</summary>
    public CloseStatus? CloseReceived => Connection?.ClosedException?.Received;

    /// <summary>The close frame the client sent, if any.</summary>
    public CloseStatus? CloseSent => Connection?.ClosedException?.Sent;

    /// <summary>What the client received (messages, pings, the ending with its close code) as a diagram counted from <see cref="Origin"/>.</summary>
    public string ReceivedMarbles => ConnectionDiagram.Render(Events(includePings: true), _values);

    /// <summary>
    /// Checks what the client received against a diagram counted from <see cref="Origin"/>: values,
    /// <c>|</c> for a normal close, <c>#</c> for any other ending, <c>|{1001}</c> or <c>#{1011}</c>
    /// to check the close code too, and <c>*</c> for the server's pings, which are compared only when
    /// the diagram has one.
    /// </summary>
    /// <param name="expected">The expected diagram.</param>
    /// <exception cref="ArgumentNullException"><paramref name="expected"/> is null.</exception>
    /// <exception cref="ReactiveAssertionException">The client received something else; the message shows both diagrams.</exception>
    public void AssertReceived(string expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ConnectionDiagram.AssertEqual(Events(includePings: true), expected, _values);
    }

    /// <summary>Checks the close code the client received.</summary>
    /// <param name="code">The expected code.</param>
    /// <exception cref="ReactiveAssertionException">The client received another code, or none.</exception>
    public void AssertCloseCode(CloseCode code)
    {
        if (CloseReceived?.Code != code)
        {
            throw new ReactiveAssertionException($"Expected the server to close with {(int)code} ({code}), but the client {(CloseReceived is CloseStatus s ? $"received {s}" : "received no close frame")}.");
        }
    }

    /// <summary>Opens the connection now, then plays <paramref name="script"/>; <paramref name="opened"/> runs once connected, before any scripted step.</summary>
    internal void Start(Func<Task<WebSocketConnection>> handshake, DiagramEvent[] script, Action<VirtualClient>? opened)
    {
        _opened = opened;
        foreach (DiagramEvent step in script)
        {
            long due = Origin + step.Time;
            if (due <= _scheduler.Clock)
            {
                _waiting.Enqueue(step);
            }
            else
            {
                _scheduler.ScheduleAbsolute(due, () => Play(step));
            }
        }

        Connected = ConnectAsync(handshake);
    }

    /// <summary>Stops playing the diagram and aborts the connection (used when the server is disposed).</summary>
    internal void Abort()
    {
        _stopped = true;
        _waiting.Clear();
        if (Connection is { } connection)
        {
            connection.Abort();
        }
        else
        {
            _clientEnd.Abort(); // a handshake in progress, or none yet
        }
    }

    private async Task<WebSocketConnection> ConnectAsync(Func<Task<WebSocketConnection>> handshake)
    {
        WebSocketConnection connection;
        try
        {
            connection = await handshake().ConfigureAwait(false);
        }
        catch
        {
            _stopped = true;
            _waiting.Clear();
            throw;
        }

        Connection = connection;
        if (_received is not null)
        {
            connection.Subscribe(_received);
        }

        _opened?.Invoke(this);
        while (!_stopped && _waiting.TryDequeue(out DiagramEvent step))
        {
            Act(connection, step);
        }

        return connection;
    }

    private void Play(DiagramEvent step)
    {
        if (_stopped)
        {
            return;
        }

        if (Connection is { } connection)
        {
            using (NoSynchronizationContext.Enter())
            {
                Act(connection, step);
            }
        }
        else
        {
            _waiting.Enqueue(step);
        }
    }

    private static void Act(WebSocketConnection connection, DiagramEvent step)
    {
        switch (step.Kind)
        {
            case DiagramEventKind.Message:
                connection.OnNext(step.Message);
                break;
            case DiagramEventKind.Ping:
                _ = PingQuietlyAsync(connection);
                break;
            case DiagramEventKind.Completed when step.Code is null:
                connection.OnCompleted();
                break;
            default:
                connection.OnError(new WebSocketCloseException(step.Code ?? CloseCode.InternalError));
                break;
        }
    }

    /// <summary>Sends a ping; its outcome shows in the connection's latency, and a ping cut short by a close is no failure of the test.</summary>
    private static async Task PingQuietlyAsync(WebSocketConnection connection)
    {
        try
        {
            await connection.PingAsync().ConfigureAwait(false);
        }
        catch (ConnectionClosedException)
        {
            // The connection closed before the pong came.
        }
    }

    /// <summary>What was received, as diagram events relative to <see cref="Origin"/>.</summary>
    internal List<DiagramEvent> Events(bool includePings)
    {
        var events = new List<DiagramEvent>();
        if (includePings)
        {
            events.AddRange(PingsReceived.Select(t => new DiagramEvent(t - Origin, DiagramEventKind.Ping, ConnectionDiagram.PingSymbol, default, null)));
        }

        foreach (Recorded<Notification<Message>> r in Received)
        {
            long time = r.Time - Origin;
            events.Add(r.Value.Kind switch
            {
                NotificationKind.OnNext => new DiagramEvent(time, DiagramEventKind.Message, '\0', r.Value.Value, null),
                NotificationKind.OnCompleted => new DiagramEvent(time, DiagramEventKind.Completed, '|', default, Connection?.ClosedException?.Code),
                _ => new DiagramEvent(time, DiagramEventKind.Failed, '#', default, (r.Value.Exception as ConnectionClosedException)?.Code),
            });
        }

        return events;
    }
}
