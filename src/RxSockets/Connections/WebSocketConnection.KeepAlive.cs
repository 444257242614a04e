using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RxSockets.Protocol;

namespace RxSockets;

/// <summary>Pings, pongs, latency and the keepalive loop (runtime's KeepAlive.cs, python's keepalive()).</summary>
public sealed partial class WebSocketConnection
{
    /// <summary>Pings waiting for their pong, keyed by the counter in their payload; guarded by itself.</summary>
    private readonly SortedDictionary<long, (long Started, TaskCompletionSource<TimeSpan> Pong)> _pendingPings = [];

    /// <summary>Counter written in each ping payload (8 bytes, big-endian) to match its pong.</summary>
    private long _pingCounter;

    /// <summary>Round-trip time of the last answered ping, in ticks of <see cref="TimeSpan"/>; 0 before the first.</summary>
    private long _latencyTicks;

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
        ThrowIfNotOpen();
        long id = Interlocked.Increment(ref _pingCounter);
        var pong = new TaskCompletionSource<TimeSpan>(_signalOptions);
        lock (_pendingPings)
        {
            _pendingPings.Add(id, (_options.TimeProvider.GetTimestamp(), pong));
        }

        byte[] payload = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(payload, id);
        if (!_outgoing.Writer.TryWrite(new OutgoingItem(OutgoingKind.Ping, Message.FromBinary(payload), null, 0, null)))
        {
            pong.TrySetException(ClosedError());
        }

        if (_stopped.IsCancellationRequested)
        {
            FailPendingPings(); // closed meanwhile: do not wait for a pong that cannot come
        }

        return await pong.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Completes the pings a pong answers: the one it names and all earlier ones.</summary>
    private void OnPong(ReadOnlySpan<byte> payload)
    {
        if (payload.Length != 8)
        {
            return; // an unsolicited pong, or not one of ours
        }

        long id = BinaryPrimitives.ReadInt64BigEndian(payload);
        long now = _options.TimeProvider.GetTimestamp();
        var answered = new List<(TaskCompletionSource<TimeSpan> Pong, TimeSpan Latency)>();
        lock (_pendingPings)
        {
            while (_pendingPings.Count > 0)
            {
                KeyValuePair<long, (long Started, TaskCompletionSource<TimeSpan> Pong)> first = default;
                foreach (KeyValuePair<long, (long, TaskCompletionSource<TimeSpan>)> entry in _pendingPings)
                {
                    first = entry;
                    break;
                }

                if (first.Key > id)
                {
                    break;
                }

                _pendingPings.Remove(first.Key);
                TimeSpan latency = _options.TimeProvider.GetElapsedTime(first.Value.Started, now);
                Volatile.Write(ref _latencyTicks, latency.Ticks);
                answered.Add((first.Value.Pong, latency));
            }
        }

        foreach ((TaskCompletionSource<TimeSpan> pong, TimeSpan latency) in answered)
        {
            pong.TrySetResult(latency); // outside the lock: waiters may run inline
        }
    }

    private void FailPendingPings()
    {
        List<TaskCompletionSource<TimeSpan>> waiting;
        lock (_pendingPings)
        {
            waiting = [.. System.Linq.Enumerable.Select(_pendingPings.Values, v => v.Pong)];
            _pendingPings.Clear();
        }

        foreach (TaskCompletionSource<TimeSpan> pong in waiting)
        {
            pong.TrySetException(ClosedError());
        }
    }

    /// <summary>
    /// Pings every <see cref="WebSocketOptions.PingInterval"/>; without a pong within
    /// <see cref="WebSocketOptions.PingTimeout"/> the connection fails with 1011 "keepalive ping timeout".
    /// </summary>
    private async Task KeepAliveLoopAsync()
    {
        await ThreadPoolSwitch.Yield(stay: _options.InlineExecution); // started by Start, runs on the thread pool
        TimeSpan interval = _options.PingInterval!.Value;
        TimeProvider time = _options.TimeProvider;
        CancellationToken stopped = _stopped.Token;
        try
        {
            while (true)
            {
                await Task.Delay(interval, time, stopped).ConfigureAwait(false);
                if (State != ConnectionState.Open)
                {
                    return;
                }

                Task<TimeSpan> pong = PingAsync(stopped);
                if (_options.PingTimeout is not TimeSpan timeout)
                {
                    continue; // keepalive without a deadline: the pings alone keep NATs and proxies open
                }

                try
                {
                    await pong.WaitAsync(timeout, time, stopped).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    Log.KeepAliveTimedOut(_logger, Id, timeout);
                    _localError ??= new TimeoutException($"No pong within the keepalive ping timeout ({timeout.TotalSeconds:0.###} s).");
                    FailConnection(new CloseStatus(CloseCode.InternalError, "keepalive ping timeout"));
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ConnectionClosedException)
        {
            // The connection closed: keepalive is over.
        }
    }
}
