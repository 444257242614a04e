using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>A connection's pings, pongs, latency and keepalive (runtime's KeepAlive.cs, python's keepalive()).</summary>
/// <remarks>
/// Keepalive is one <see cref="ITimer"/> from <see cref="WebSocketOptions.TimeProvider"/>, re-armed
/// by its own callback, not an async loop around <c>Task.Delay</c>: an idle connection holds the
/// timer and nothing else (the loop held a state machine, a delay promise, its timer and a token
/// registration). The timer has two phases, told apart by
/// <see cref="_keepAlivePing"/>: waiting for the interval (0), and waiting for the pong of that
/// ping within <see cref="WebSocketOptions.PingTimeout"/>. A pong that answers it re-arms the timer
/// for the next interval. A tick that comes before its phase's time (a tick already under way when
/// a pong re-armed the timer) re-arms the timer for the time left, so it never pings early.
/// </remarks>
internal sealed class KeepAlive
{
    private readonly WebSocketConnection _owner;

    public KeepAlive(WebSocketConnection owner) => _owner = owner;

    /// <summary>Pings waiting for their pong, keyed by the counter in their payload, created by the first ping; guarded by this object's lock. Keepalive pings have no waiter.</summary>
    private SortedDictionary<long, (long Started, TaskCompletionSource<TimeSpan>? Pong)>? _pendingPings;

    /// <summary>Set once no pong can arrive any more (the read loop ended): pings fail at once and keepalive stops; guarded by this object's lock.</summary>
    private bool _pingsEnded;

    /// <summary>Counter written in each ping payload (8 bytes, big-endian) to match its pong; guarded by this object's lock.</summary>
    private long _pingCounter;

    /// <summary>Round-trip time of the last answered ping, in ticks of <see cref="TimeSpan"/>; 0 before the first.</summary>
    private long _latencyTicks;

    /// <summary>The keepalive timer (one-shot, re-armed by each phase), or null without <see cref="WebSocketOptions.PingInterval"/> or once stopped; guarded by this object's lock.</summary>
    private ITimer? _keepAliveTimer;

    /// <summary>When the current keepalive phase began, a timestamp of <see cref="WebSocketOptions.TimeProvider"/>; guarded by this object's lock.</summary>
    private long _keepAliveSince;

    /// <summary>The keepalive ping whose pong is due within <see cref="WebSocketOptions.PingTimeout"/>, or 0 while waiting for the interval; guarded by this object's lock.</summary>
    private long _keepAlivePing;

    /// <summary>The round-trip time of the most recent ping answered by a pong (keepalive or <see cref="PingAsync"/>); zero before the first.</summary>
    public TimeSpan Latency => TimeSpan.FromTicks(Volatile.Read(ref _latencyTicks));

    /// <summary>
    /// Sends a ping and waits for its pong. A pong also answers every earlier ping (pongs may be
    /// coalesced by the peer, RFC 6455 §5.5.3).
    /// </summary>
    /// <param name="cancellationToken">Stops waiting for the pong.</param>
    /// <returns>The round-trip time.</returns>
    /// <exception cref="ConnectionClosedException">The connection closed before the pong arrived.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        if (_owner.State != ConnectionState.Open)
        {
            throw _owner.ClosedError();
        }

        TaskCompletionSource<TimeSpan> pong = _owner.Options.Execution.NewSignal<TimeSpan>();
        long id;
        bool ended;
        lock (this)
        {
            id = ++_pingCounter;
            ended = _pingsEnded;
            if (!ended)
            {
                (_pendingPings ??= []).Add(id, (_owner.Options.TimeProvider.GetTimestamp(), pong));
            }
        }

        if (ended || !SendPing(id))
        {
            pong.TrySetException(_owner.ClosedError()); // closed meanwhile: do not wait for a pong that cannot come
        }

        return await pong.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Queues a ping carrying <paramref name="id"/>; returns false when the connection no longer sends.</summary>
    private bool SendPing(long id)
    {
        byte[] payload = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(payload, id);
        return _owner.Outbox.Post(OutgoingItem.Ping(payload));
    }

    /// <summary>Starts keepalive: the first ping goes out one <see cref="WebSocketOptions.PingInterval"/> from now.</summary>
    public void Start(TimeSpan interval)
    {
        ITimer timer = _owner.Options.TimeProvider.CreateTimer(static state => ((KeepAlive)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        lock (this)
        {
            if (_pingsEnded)
            {
                timer.Dispose();
                return;
            }

            _keepAliveTimer = timer;
            _keepAliveSince = _owner.Options.TimeProvider.GetTimestamp();
            timer.Change(interval, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// The keepalive timer's callback: pings once the interval has passed; fails the connection
    /// with 1011 "keepalive ping timeout" when the pong of that ping did not come within
    /// <see cref="WebSocketOptions.PingTimeout"/>.
    /// </summary>
    private void OnTimer()
    {
        TimeProvider time = _owner.Options.TimeProvider;
        bool open = _owner.State == ConnectionState.Open; // read before this lock: the connection's lock is never taken inside it
        long ping = 0;
        TimeSpan timedOut = TimeSpan.Zero;
        lock (this)
        {
            if (_keepAliveTimer is not { } timer)
            {
                return; // stopped
            }

            long now = time.GetTimestamp();
            bool awaitingPong = _keepAlivePing != 0;
            TimeSpan phase = awaitingPong ? _owner.Options.PingTimeout!.Value : _owner.Options.PingInterval!.Value;
            TimeSpan left = phase - time.GetElapsedTime(_keepAliveSince, now);
            if (left > TimeSpan.Zero)
            {
                timer.Change(left, Timeout.InfiniteTimeSpan); // a tick from before a pong re-armed the timer
                return;
            }

            if (awaitingPong)
            {
                _keepAlivePing = 0;
                timedOut = phase;
            }
            else if (!open)
            {
                return; // closing: keepalive is over
            }
            else
            {
                ping = ++_pingCounter;
                (_pendingPings ??= []).Add(ping, (now, null));
                _keepAliveSince = now;
                if (_owner.Options.PingTimeout is TimeSpan timeout)
                {
                    _keepAlivePing = ping;
                    timer.Change(timeout, Timeout.InfiniteTimeSpan);
                }
                else
                {
                    timer.Change(phase, Timeout.InfiniteTimeSpan); // keepalive without a deadline: the pings alone keep NATs and proxies open
                }
            }
        }

        if (timedOut > TimeSpan.Zero)
        {
            Log.KeepAliveTimedOut(_owner.Logger, _owner.Id, timedOut);
            _owner.RecordError(new TimeoutException($"No pong within the keepalive ping timeout ({timedOut.TotalSeconds:0.###} s)."));
            _owner.FailConnection(new CloseStatus(CloseCode.InternalError, "keepalive ping timeout"));
        }
        else
        {
            SendPing(ping); // outside the lock: with inline execution the writer runs right here
        }
    }

    /// <summary>Completes the pings a pong answers: the one it names and all earlier ones.</summary>
    public void OnPong(ReadOnlySpan<byte> payload)
    {
        if (payload.Length != 8)
        {
            return; // an unsolicited pong, or not one of ours
        }

        long id = BinaryPrimitives.ReadInt64BigEndian(payload);
        long now = _owner.Options.TimeProvider.GetTimestamp();
        List<(TaskCompletionSource<TimeSpan> Pong, TimeSpan Latency)>? answered = null;
        lock (this)
        {
            while (_pendingPings is { Count: > 0 })
            {
                KeyValuePair<long, (long Started, TaskCompletionSource<TimeSpan>? Pong)> first = default;
                foreach (KeyValuePair<long, (long, TaskCompletionSource<TimeSpan>?)> entry in _pendingPings)
                {
                    first = entry;
                    break;
                }

                if (first.Key > id)
                {
                    break;
                }

                _pendingPings.Remove(first.Key);
                TimeSpan latency = _owner.Options.TimeProvider.GetElapsedTime(first.Value.Started, now);
                Volatile.Write(ref _latencyTicks, latency.Ticks);
                if (first.Value.Pong is { } pong)
                {
                    (answered ??= []).Add((pong, latency));
                }
            }

            if (_keepAlivePing != 0 && _keepAlivePing <= id && _keepAliveTimer is { } timer)
            {
                // The keepalive ping is answered: the next one goes out one interval from now.
                _keepAlivePing = 0;
                _keepAliveSince = now;
                timer.Change(_owner.Options.PingInterval!.Value, Timeout.InfiniteTimeSpan);
            }
        }

        if (answered is not null)
        {
            foreach ((TaskCompletionSource<TimeSpan> pong, TimeSpan latency) in answered)
            {
                pong.TrySetResult(latency); // outside the lock: waiters may run inline
            }
        }
    }

    /// <summary>Once no pong can arrive (the read loop ended): stops keepalive and fails the pings still waiting, now and later.</summary>
    public void End()
    {
        List<TaskCompletionSource<TimeSpan>>? waiting = null;
        lock (this)
        {
            _pingsEnded = true;
            _keepAliveTimer?.Dispose();
            _keepAliveTimer = null;
            _keepAlivePing = 0;
            if (_pendingPings is not null)
            {
                foreach ((long _, TaskCompletionSource<TimeSpan>? pong) in _pendingPings.Values)
                {
                    if (pong is not null)
                    {
                        (waiting ??= []).Add(pong);
                    }
                }

                _pendingPings.Clear();
            }
        }

        if (waiting is not null)
        {
            foreach (TaskCompletionSource<TimeSpan> pong in waiting)
            {
                pong.TrySetException(_owner.ClosedError());
            }
        }
    }
}
