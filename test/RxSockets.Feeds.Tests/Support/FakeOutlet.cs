using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RxSockets.Protocol;

namespace RxSockets.Feeds.Tests;

/// <summary>
/// A subscriber's connection in virtual time, counted in messages: it accepts a frame while fewer
/// than <see cref="Capacity"/> wait in its buffer, and has room again once at most a quarter of
/// that wait (the core's rule, in messages). The client reads a message when the test says
/// (<see cref="ReadOne"/>, <see cref="ReadEvery"/>), or at once when <see cref="AutoRead"/> is set.
/// </summary>
/// <remarks>Not thread-safe; waiters resume synchronously inside the read that makes room.</remarks>
internal sealed class FakeOutlet(VirtualClock clock, string id = "fake", int capacity = int.MaxValue) : IFeedOutlet
{
    private readonly Queue<Message> _buffer = new();
    private TaskCompletionSource? _room;

    public string Id { get; } = id;

    /// <summary>How many messages may wait before sends are refused.</summary>
    public int Capacity { get; set; } = capacity;

    /// <summary>Whether the client reads every accepted message at once (a fast subscriber).</summary>
    public bool AutoRead { get; set; } = capacity == int.MaxValue;

    public bool IsOpen { get; private set; } = true;

    /// <summary>Messages waiting in the buffer.</summary>
    public int Buffered => _buffer.Count;

    /// <summary>How many sends were refused.</summary>
    public int Refused { get; private set; }

    /// <summary>What the client read, with the virtual tick it read it at.</summary>
    public List<(long Tick, Envelope Envelope)> Received { get; } = [];

    /// <summary>How it was closed, if it was.</summary>
    public (CloseCode Code, string Reason)? ClosedWith { get; private set; }

    /// <summary>The data envelopes the client read.</summary>
    public IEnumerable<Envelope> Data => Received.Select(r => r.Envelope).Where(e => e.Type == "data");

    /// <summary>The <c>data</c> of every data envelope read, concatenated (values are one character in marble tests).</summary>
    public string DataText => string.Concat(Data.Select(e => e.Data));

    /// <summary>The types of everything read, in order.</summary>
    public IEnumerable<string> Types => Received.Select(r => r.Envelope.Type);

    public bool TrySend(PreparedMessage frame)
    {
        if (!IsOpen || _buffer.Count >= Capacity)
        {
            Refused++;
            return false;
        }

        Accept(frame.Message);
        return true;
    }

    /// <summary>The length of every run offered with one call (a drain catching up), in order.</summary>
    public List<int> Runs { get; } = [];

    public int TrySend(ReadOnlySpan<PreparedMessage> frames)
    {
        Runs.Add(frames.Length);
        int sent = 0;
        while (sent < frames.Length && TrySend(frames[sent]))
        {
            sent++;
        }

        return sent;
    }

    public ValueTask WaitForRoomAsync(CancellationToken cancellationToken)
    {
        if (!IsOpen)
        {
            return ValueTask.FromException(new ConnectionClosedException(null, null, false));
        }

        if (_buffer.Count <= Capacity / 4)
        {
            return ValueTask.CompletedTask;
        }

        _room ??= new TaskCompletionSource(); // continuations run inline, inside the read that makes room
        return new ValueTask(cancellationToken.CanBeCanceled ? _room.Task.WaitAsync(cancellationToken) : _room.Task);
    }

    public ValueTask SendAsync(Message message, CancellationToken cancellationToken)
    {
        Accept(message);
        return ValueTask.CompletedTask;
    }

    public void Close(CloseCode code, string reason)
    {
        if (!IsOpen)
        {
            return;
        }

        IsOpen = false;
        ClosedWith = (code, reason);
        TaskCompletionSource? room = _room;
        _room = null;
        if (room is not null)
        {
            Inline(() => room.TrySetException(new ConnectionClosedException(null, new CloseStatus(code, reason), false)));
        }
    }

    /// <summary>The client reads one message, if one waits.</summary>
    public void ReadOne()
    {
        if (_buffer.TryDequeue(out Message message))
        {
            Received.Add((clock.Now, Envelope.Parse(message)));
            if (_buffer.Count <= Capacity / 4 && _room is { } room)
            {
                _room = null;
                Inline(() => room.TrySetResult());
            }
        }
    }

    /// <summary>The client reads everything waiting.</summary>
    public void ReadAll()
    {
        while (_buffer.Count > 0)
        {
            ReadOne();
        }
    }

    /// <summary>The client reads one message at <paramref name="first"/>, then every <paramref name="period"/> ticks until <paramref name="until"/>.</summary>
    public void ReadEvery(long period, long first, long until)
    {
        for (long tick = first; tick <= until; tick += period)
        {
            clock.At(tick, ReadOne);
        }
    }

    /// <summary>
    /// Completes a waiter with no synchronization context current: an await continuation runs
    /// inline only then (NUnit runs tests under a context of its own, which would send the drain's
    /// continuation to the thread pool and out of virtual time).
    /// </summary>
    private static void Inline(Action complete)
    {
        SynchronizationContext? context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            complete();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    private void Accept(Message message)
    {
        _buffer.Enqueue(message);
        if (AutoRead)
        {
            ReadAll();
        }
    }
}
