using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace RxSockets;

/// <summary>
/// An unbounded channel for one reader and any number of writers: a lock, a queue created with the
/// first item, and one reusable waiter. It replaces <c>Channel.CreateUnbounded</c> for a
/// connection's send queue, which holds about 1 KiB per connection even while empty (a 32-slot
/// queue segment, its cache-line padding and four cached async operations), the largest item of an
/// idle connection after its socket (issue 7).
/// </summary>
/// <remarks>
/// Only what the write loop needs: <c>TryWrite</c>, <c>TryComplete</c>, <c>TryRead</c> and
/// <c>WaitToReadAsync</c> (one waiter at a time, which the single reader guarantees; a cancelled
/// wait throws <see cref="OperationCanceledException"/>). Continuations run asynchronously unless
/// <c>allowSynchronousContinuations</c> is set, as with <see cref="ChannelOptions.AllowSynchronousContinuations"/>.
/// </remarks>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class SingleReaderChannel<T> : Channel<T>
{
    private readonly bool _runContinuationsAsynchronously;

    /// <summary>Guards every field below.</summary>
    private readonly Lock _lock = new();

    private Queue<T>? _items;
    private bool _completed;
    private Exception? _error;

    /// <summary>The reader's waiter, created at its first wait and reused (one reader, so one wait at a time).</summary>
    private Waiter? _waiter;

    /// <summary>Whether <see cref="_waiter"/> is pending: whoever clears it under the lock completes the wait.</summary>
    private bool _waiting;

    private CancellationToken _waitToken;
    private CancellationTokenRegistration _waitRegistration;

    public SingleReaderChannel(bool allowSynchronousContinuations)
    {
        _runContinuationsAsynchronously = !allowSynchronousContinuations;
        Reader = new ChannelReaderImpl(this);
        Writer = new ChannelWriterImpl(this);
    }

    private bool TryWrite(T item)
    {
        Waiter? wake;
        lock (_lock)
        {
            if (_completed)
            {
                return false;
            }

            (_items ??= new Queue<T>()).Enqueue(item);
            wake = TakeWaiter();
        }

        wake?.Complete(true, null);
        return true;
    }

    private bool TryComplete(Exception? error)
    {
        Waiter? wake;
        lock (_lock)
        {
            if (_completed)
            {
                return false;
            }

            _completed = true;
            _error = error;
            wake = TakeWaiter();
        }

        wake?.Complete(false, error); // like the runtime's channels: WaitToReadAsync throws the completion error itself
        return true;
    }

    private bool TryRead(out T item)
    {
        lock (_lock)
        {
            if (_items is { Count: > 0 })
            {
                item = _items.Dequeue();
                return true;
            }
        }

        item = default!;
        return false;
    }

    private ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        Waiter waiter;
        lock (_lock)
        {
            if (_items is { Count: > 0 })
            {
                return new ValueTask<bool>(true);
            }

            if (_completed)
            {
                return _error is null ? new ValueTask<bool>(false) : ValueTask.FromException<bool>(_error);
            }

            if (_waiting)
            {
                throw new InvalidOperationException("The channel has a single reader and it is already waiting.");
            }

            waiter = _waiter ??= new Waiter(_runContinuationsAsynchronously);
            waiter.Reset();
            _waiting = true;
            _waitToken = cancellationToken;
        }

        if (cancellationToken.CanBeCanceled)
        {
            // Outside the lock: a token cancelled meanwhile runs the callback right here.
            CancellationTokenRegistration registration = cancellationToken.UnsafeRegister(static state => ((SingleReaderChannel<T>)state!).OnWaitCancelled(), this);
            lock (_lock)
            {
                if (_waiting)
                {
                    _waitRegistration = registration;
                    registration = default;
                }
            }

            registration.Unregister(); // the wait already ended: nothing left to cancel
        }

        return new ValueTask<bool>(waiter, waiter.Version);
    }

    private void OnWaitCancelled()
    {
        Waiter? wake;
        CancellationToken token;
        lock (_lock)
        {
            token = _waitToken;
            if (!_waiting || !token.IsCancellationRequested)
            {
                return; // a wait that ended already, or a later wait with another token
            }

            wake = TakeWaiter();
        }

        wake?.Complete(false, new OperationCanceledException(token));
    }

    /// <summary>Ends the pending wait, if any, and returns its waiter to complete outside the lock. Called under the lock.</summary>
    private Waiter? TakeWaiter()
    {
        if (!_waiting)
        {
            return null;
        }

        _waiting = false;
        _waitToken = default;
        _waitRegistration.Unregister(); // never blocks, even from the token's own callback
        _waitRegistration = default;
        return _waiter;
    }

    private sealed class ChannelReaderImpl(SingleReaderChannel<T> channel) : ChannelReader<T>
    {
        public override bool TryRead(out T item) => channel.TryRead(out item);

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => channel.WaitToReadAsync(cancellationToken);
    }

    private sealed class ChannelWriterImpl(SingleReaderChannel<T> channel) : ChannelWriter<T>
    {
        public override bool TryWrite(T item) => channel.TryWrite(item);

        public override bool TryComplete(Exception? error = null) => channel.TryComplete(error);

        public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<bool>(cancellationToken);
            }

            lock (channel._lock)
            {
                return new ValueTask<bool>(!channel._completed); // unbounded: room whenever open
            }
        }
    }

    /// <summary>The reader's reusable wait.</summary>
    private sealed class Waiter : IValueTaskSource<bool>
    {
        private ManualResetValueTaskSourceCore<bool> _core;

        public Waiter(bool runContinuationsAsynchronously) => _core.RunContinuationsAsynchronously = runContinuationsAsynchronously;

        public short Version => _core.Version;

        public void Reset() => _core.Reset();

        public void Complete(bool result, Exception? error)
        {
            if (error is null)
            {
                _core.SetResult(result);
            }
            else
            {
                _core.SetException(error);
            }
        }

        public bool GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
