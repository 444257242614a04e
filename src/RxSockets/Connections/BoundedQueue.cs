using System;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace RxSockets;

/// <summary>
/// A bounded queue for one writer and any number of readers, waiting or not: a connection's
/// incoming messages. It replaces <c>Channel.CreateBounded</c>, which holds about 780 bytes per
/// connection even while empty (the channel, its reader and writer, a deque and four cached async
/// operations), for about 200 here (issue 7).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>The items live in a ring created with the first item and grown by doubling up to the
/// capacity: an idle connection holds no array.</item>
/// <item>The lock is this object's monitor (no lock object per connection); the class is internal
/// and never handed out, so nothing else locks it.</item>
/// <item>Readers (<c>ReceiveAsync</c>, <c>ReadAllAsync</c> and the Rx pump may wait at the same
/// time) wait in <see cref="WaitToReadAsync"/>; every write wakes all of them and they compete
/// with <see cref="TryRead"/>, as with the runtime's channels. A finished waiter is kept for the
/// next wait, so a steady reader allocates nothing per wait.</item>
/// <item>The writer waits for room in <see cref="WaitToWriteAsync"/> (backpressure); every read
/// wakes it.</item>
/// <item>Completion wakes everybody: readers get <see langword="false"/>, or the completion error
/// thrown, once the items left are read (the error itself, not wrapped, like
/// <c>ChannelReader.WaitToReadAsync</c>); the writer gets <see langword="false"/>.</item>
/// <item>A cancelled wait throws <see cref="OperationCanceledException"/> and leaves the queue as
/// it was. Continuations run asynchronously unless <c>allowSynchronousContinuations</c> is set
/// (<see cref="WebSocketOptions.InlineExecution"/>).</item>
/// </list>
/// </remarks>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class BoundedQueue<T>
{
    private readonly int _capacity;
    private readonly bool _runContinuationsAsynchronously;

    // Every field below is guarded by lock (this), except _spare (Interlocked).
    private T[]? _items;
    private int _head;
    private int _count;
    private bool _completed;
    private Exception? _error;

    /// <summary>The readers' pending waits, linked through <see cref="Waiter.Next"/>.</summary>
    private Waiter? _readers;

    /// <summary>The writer's pending wait for room, if any.</summary>
    private Waiter? _writer;

    /// <summary>A finished waiter kept for the next wait.</summary>
    private Waiter? _spare;

    /// <summary>Creates an empty queue.</summary>
    /// <param name="capacity">The most items held; at least 1.</param>
    /// <param name="allowSynchronousContinuations">Whether waiters may continue inline, on the thread that wakes them.</param>
    public BoundedQueue(int capacity, bool allowSynchronousContinuations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _runContinuationsAsynchronously = !allowSynchronousContinuations;
    }

    /// <summary>The number of items queued.</summary>
    public int Count
    {
        get
        {
            lock (this)
            {
                return _count;
            }
        }
    }

    /// <summary>Adds an item unless the queue is full or completed.</summary>
    /// <param name="item">The item.</param>
    /// <returns>Whether it was added.</returns>
    public bool TryWrite(T item)
    {
        Waiter? readers;
        lock (this)
        {
            if (_completed || _count == _capacity)
            {
                return false;
            }

            if (_items is null || _count == _items.Length)
            {
                Grow();
            }

            _items![(_head + _count) % _items.Length] = item;
            _count++;
            readers = TakeAll(ref _readers);
        }

        CompleteAll(readers, true, null);
        return true;
    }

    /// <summary>Takes the oldest item, if any; makes room for the writer.</summary>
    /// <param name="item">The item, or the default value.</param>
    /// <returns>Whether there was one.</returns>
    public bool TryRead(out T item)
    {
        Waiter? writer;
        lock (this)
        {
            if (_count == 0)
            {
                item = default!;
                return false;
            }

            item = _items![_head];
            _items[_head] = default!; // the queue does not keep what it handed out alive
            _head = (_head + 1) % _items.Length;
            if (--_count == 0)
            {
                _head = 0;
            }

            writer = TakeAll(ref _writer);
        }

        CompleteAll(writer, true, null);
        return true;
    }

    /// <summary>Completes the queue: no more writes; readers drain what is left, then see the end.</summary>
    /// <param name="error">Thrown by <see cref="WaitToReadAsync"/> once the queue is empty; null for a normal end.</param>
    /// <returns>False if it was already completed.</returns>
    public bool TryComplete(Exception? error = null)
    {
        Waiter? readers;
        Waiter? writer;
        lock (this)
        {
            if (_completed)
            {
                return false;
            }

            _completed = true;
            _error = error;
            readers = TakeAll(ref _readers); // readers wait only while the queue is empty
            writer = TakeAll(ref _writer);
        }

        CompleteAll(readers, false, error);
        CompleteAll(writer, false, null);
        return true;
    }

    /// <summary>Waits until an item is there (true) or the queue is completed and empty (false, or the completion error thrown).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Whether an item can be read (another reader may take it first).</returns>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        Waiter waiter;
        short version;
        lock (this)
        {
            if (_count > 0)
            {
                return new ValueTask<bool>(true);
            }

            if (_completed)
            {
                return _error is null ? new ValueTask<bool>(false) : ValueTask.FromException<bool>(_error);
            }

            waiter = Rent(cancellationToken, out version);
            waiter.Next = _readers;
            _readers = waiter;
        }

        return Arm(waiter, version, cancellationToken);
    }

    /// <summary>Waits until there is room (true) or the queue is completed (false). One writer: one wait at a time.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Whether an item can be written.</returns>
    public ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        Waiter waiter;
        short version;
        lock (this)
        {
            if (_completed)
            {
                return new ValueTask<bool>(false);
            }

            if (_count < _capacity)
            {
                return new ValueTask<bool>(true);
            }

            if (_writer is not null)
            {
                throw new InvalidOperationException("The queue has a single writer and it is already waiting.");
            }

            waiter = Rent(cancellationToken, out version);
            _writer = waiter;
        }

        return Arm(waiter, version, cancellationToken);
    }

    /// <summary>Grows the ring (first 4 items, then doubling, up to the capacity), keeping the order. Called under the lock.</summary>
    private void Grow()
    {
        int size = _items is null ? Math.Min(4, _capacity) : Math.Min(_items.Length * 2, _capacity);
        var items = new T[size];
        for (int i = 0; i < _count; i++)
        {
            items[i] = _items![(_head + i) % _items.Length];
        }

        _items = items;
        _head = 0;
    }

    /// <summary>
    /// A waiter for a new wait (the spare, or a new one), pending, and the wait's version, read
    /// here: once the lock is released the wait may end and its waiter serve another wait.
    /// Called under the lock.
    /// </summary>
    private Waiter Rent(CancellationToken cancellationToken, out short version)
    {
        Waiter waiter = Interlocked.Exchange(ref _spare, null) ?? new Waiter(this);
        waiter.Reset(cancellationToken);
        version = waiter.Version;
        return waiter;
    }

    /// <summary>Registers the wait's cancellation, outside the lock (a token cancelled meanwhile runs the callback right here).</summary>
    private ValueTask<bool> Arm(Waiter waiter, short version, CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            CancellationTokenRegistration registration = cancellationToken.UnsafeRegister(static state => ((Waiter)state!).Owner.OnCancelled((Waiter)state!), waiter);
            lock (this)
            {
                if (waiter.Pending && waiter.Version == version)
                {
                    waiter.Registration = registration;
                    registration = default;
                }
            }

            registration.Unregister(); // the wait already ended: nothing left to cancel
        }

        return new ValueTask<bool>(waiter, version);
    }

    private void OnCancelled(Waiter waiter)
    {
        CancellationToken token;
        lock (this)
        {
            token = waiter.Token;
            if (!waiter.Pending || !token.IsCancellationRequested)
            {
                return; // a wait that ended already, or a later wait with another token
            }

            if (_writer == waiter)
            {
                _writer = null;
            }
            else
            {
                Waiter? previous = null;
                for (Waiter? w = _readers; w is not null; previous = w, w = w.Next)
                {
                    if (w == waiter)
                    {
                        if (previous is null)
                        {
                            _readers = w.Next;
                        }
                        else
                        {
                            previous.Next = w.Next;
                        }

                        break;
                    }
                }
            }

            waiter.Next = null;
            waiter.Pending = false;
            waiter.Token = default;
            waiter.Registration = default; // this is its callback: nothing to unregister
        }

        waiter.Complete(false, new OperationCanceledException(token));
    }

    /// <summary>Ends every wait of a list (or the writer's) and returns them to complete outside the lock. Called under the lock.</summary>
    private static Waiter? TakeAll(ref Waiter? list)
    {
        Waiter? first = list;
        list = null;
        for (Waiter? w = first; w is not null; w = w.Next)
        {
            w.Pending = false;
            w.Token = default;
            w.Registration.Unregister(); // never blocks, even from the token's own callback
            w.Registration = default;
        }

        return first;
    }

    /// <summary>Completes the waits <see cref="TakeAll"/> took, outside the lock.</summary>
    private static void CompleteAll(Waiter? first, bool result, Exception? error)
    {
        while (first is not null)
        {
            Waiter next = first.Next!;
            first.Next = null; // before completing: a continuation may reuse the waiter at once
            first.Complete(result, error);
            first = next;
        }
    }

    /// <summary>One wait, reused once its result was taken.</summary>
    private sealed class Waiter(BoundedQueue<T> owner) : IValueTaskSource<bool>
    {
        private ManualResetValueTaskSourceCore<bool> _core;

        public BoundedQueue<T> Owner => owner;

        /// <summary>The next waiter in the readers' list; guarded by the queue's lock.</summary>
        public Waiter? Next { get; set; }

        /// <summary>Whether the wait is in progress: whoever clears it under the lock completes it.</summary>
        public bool Pending { get; set; }

        public CancellationToken Token { get; set; }

        public CancellationTokenRegistration Registration { get; set; }

        public short Version => _core.Version;

        public void Reset(CancellationToken cancellationToken)
        {
            _core.Reset();
            _core.RunContinuationsAsynchronously = owner._runContinuationsAsynchronously;
            Pending = true;
            Token = cancellationToken;
        }

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

        public bool GetResult(short token)
        {
            bool current = token == _core.Version;
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                if (current)
                {
                    Interlocked.CompareExchange(ref owner._spare, this, null); // the result is taken: reusable
                }
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
