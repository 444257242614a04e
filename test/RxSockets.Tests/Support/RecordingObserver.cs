using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Tests;

/// <summary>
/// Records what an <see cref="IObservable{T}"/> of messages delivers and checks the Rx grammar on
/// the way: overlapping calls, terminal notifications, notifications after the terminal one.
/// </summary>
internal sealed class RecordingObserver : IObserver<Message>
{
    private readonly Lock _gate = new();
    private readonly List<Message> _messages = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private readonly TaskCompletionSource<Exception?> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<Message>? _onNext;
    private int _inside;
    private int _overlaps;
    private int _terminals;
    private int _afterTerminal;

    /// <param name="onNext">Runs inside <c>OnNext</c>, before the message is recorded (an echo, say).</param>
    public RecordingObserver(Action<Message>? onNext = null) => _onNext = onNext;

    public IReadOnlyList<Message> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>How many calls started while another call on this observer was still running.</summary>
    public int Overlaps => Volatile.Read(ref _overlaps);

    /// <summary>How many OnCompleted/OnError calls arrived.</summary>
    public int TerminalCount => Volatile.Read(ref _terminals);

    /// <summary>How many notifications arrived after the first terminal one.</summary>
    public int NotificationsAfterTerminal => Volatile.Read(ref _afterTerminal);

    /// <summary>Completes at the first terminal notification: null for OnCompleted, the error for OnError.</summary>
    public Task<Exception?> Ended => _ended.Task;

    /// <summary>Completes once at least <paramref name="count"/> messages were recorded.</summary>
    public Task WhenCount(int count)
    {
        lock (_gate)
        {
            if (_messages.Count >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task;
        }
    }

    public void OnNext(Message value)
    {
        Enter();
        try
        {
            if (Volatile.Read(ref _terminals) > 0)
            {
                Interlocked.Increment(ref _afterTerminal);
            }

            _onNext?.Invoke(value);
            lock (_gate)
            {
                _messages.Add(value);
                for (int i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (_waiters[i].Count <= _messages.Count)
                    {
                        _waiters[i].Signal.TrySetResult();
                        _waiters.RemoveAt(i);
                    }
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inside);
        }
    }

    public void OnError(Exception error) => End(error);

    public void OnCompleted() => End(null);

    private void End(Exception? error)
    {
        Enter();
        try
        {
            if (Interlocked.Increment(ref _terminals) > 1)
            {
                Interlocked.Increment(ref _afterTerminal);
            }

            _ended.TrySetResult(error);
        }
        finally
        {
            Interlocked.Decrement(ref _inside);
        }
    }

    private void Enter()
    {
        if (Interlocked.Increment(ref _inside) > 1)
        {
            Interlocked.Increment(ref _overlaps);
        }
    }
}
