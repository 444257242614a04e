using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// A connection's incoming messages between the read loop (the only writer) and one consumer at a
/// time: bounded, so a full queue stops the read loop (TCP then pushes back on the peer).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>One consumer style per connection (<see cref="Claim"/>): the Rx pump once somebody
/// subscribed, or one <c>ReceiveAsync</c> call or <c>ReadAllAsync</c> enumeration at a time. A
/// second consumer fails at once with <see cref="InvalidOperationException"/> instead of silently
/// taking half of the messages (python websockets raises <c>ConcurrencyError</c>).</item>
/// <item>It knows when the consumer has caught up (<see cref="WhenCaughtUpAsync"/>): nothing
/// queued, and the consumer came back for more after the last message it took. A connection whose
/// peer broke the protocol waits for that before it closes, so whatever the application does with
/// the messages before the violation (an echo) goes out first.</item>
/// <item>Items live in a ring created with the first item and grown by doubling up to the
/// capacity; waits reuse one completion source each: an idle connection holds no array and a
/// steady consumer allocates nothing per wait. Measured against <c>Channel.CreateBounded</c> with
/// <c>SingleReader</c> in docs/performance.md.</item>
/// <item>The lock is this object's monitor; the class is internal and never handed out, so nothing
/// else locks it. Continuations run asynchronously unless the connection's execution says otherwise.</item>
/// </list>
/// </remarks>
/// <typeparam name="T">The item type.</typeparam>
internal sealed partial class IncomingQueue<T>
{
    private readonly int _capacity;
    private readonly bool _runContinuationsAsynchronously;

    // Every field below is guarded by lock (this).
    private T[]? _items;
    private int _head;
    private int _count;
    private bool _completed;
    private Exception? _error;

    /// <summary>The consumer's pending wait for an item, if any; whoever clears it under the lock completes it.</summary>
    private Signal? _reader;

    /// <summary>The writer's pending wait for room, if any; whoever clears it under the lock completes it.</summary>
    private Signal? _writer;

    /// <summary>The consumer's wait, reused for each wait once its result was taken (one consumer waits at a time).</summary>
    private Signal? _readerSignal;

    /// <summary>The writer's wait, reused likewise (one writer).</summary>
    private Signal? _writerSignal;

    /// <summary>Set by <see cref="WakeWriter"/> when the writer was not waiting: its next wait returns at once.</summary>
    private bool _poked;

    /// <summary>Who consumes: none yet, the Rx pump (for good), or a receive call or enumeration in progress.</summary>
    private Consumer _consumer;

    /// <summary>Whether a receive call or enumeration is in progress (<see cref="Claim"/> to <see cref="Release"/>).</summary>
    private bool _claimed;

    /// <summary>Whether the consumer took an item and has not come back for the next yet.</summary>
    private bool _busy;

    /// <summary>Items taken so far: the writer compares it over time to tell a slow consumer from one that stopped.</summary>
    private long _taken;

    /// <summary>Completed once the consumer has caught up; created by <see cref="WhenCaughtUpAsync"/> while it has not.</summary>
    private TaskCompletionSource? _caughtUp;

    /// <summary>Creates an empty queue.</summary>
    /// <param name="capacity">The most items held; at least 1.</param>
    /// <param name="runContinuationsAsynchronously">Whether woken waiters continue on the thread pool rather than on the thread that wakes them.</param>
    public IncomingQueue(int capacity, bool runContinuationsAsynchronously)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _runContinuationsAsynchronously = runContinuationsAsynchronously;
    }

    /// <summary>Who may take items from the queue.</summary>
    public enum Consumer
    {
        /// <summary>Nobody has asked for a message yet.</summary>
        None,

        /// <summary>The Rx pump: once somebody subscribed, every message goes to the subscribers.</summary>
        Rx,

        /// <summary><c>ReceiveAsync</c> and its variants, one call at a time.</summary>
        Receive,

        /// <summary><c>ReadAllAsync</c>, one enumeration at a time.</summary>
        ReadAll,
    }

    /// <summary>Whether any consumer ever asked for messages.</summary>
    public bool HasConsumer
    {
        get
        {
            lock (this)
            {
                return _consumer != Consumer.None;
            }
        }
    }

    /// <summary>How many items the consumer has taken so far.</summary>
    public long Taken
    {
        get
        {
            lock (this)
            {
                return _taken;
            }
        }
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

    /// <summary>Adds an item unless the queue is full or completed (the writer's side).</summary>
    /// <param name="item">The item.</param>
    /// <returns>Whether it was added.</returns>
    public bool TryWrite(T item)
    {
        Signal? reader;
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
            reader = _reader;
            _reader = null;
        }

        reader?.Complete(true, null);
        return true;
    }

    /// <summary>
    /// Waits until there may be room (true) or the queue is completed (false). Also ends, with
    /// true, when <see cref="WakeWriter"/> is called: the writer then looks again at why it waits.
    /// One writer: one wait at a time.
    /// </summary>
    /// <returns>Whether the writer should try again.</returns>
    public ValueTask<bool> WaitToWriteAsync()
    {
        lock (this)
        {
            if (_completed)
            {
                return new ValueTask<bool>(false);
            }

            if (_count < _capacity || _poked)
            {
                _poked = false;
                return new ValueTask<bool>(true);
            }

            Debug.Assert(_writer is null, "one writer, one wait at a time");
            _writer = _writerSignal ??= new Signal(this);
            return _writer.Arm(CancellationToken.None);
        }
    }

    /// <summary>
    /// Ends the writer's wait: something it waits on besides room has changed (a close was sent,
    /// the transport aborted). When the writer is not waiting, its next wait returns at once, so a
    /// change made just before it starts waiting is not missed.
    /// </summary>
    public void WakeWriter()
    {
        Signal? writer;
        lock (this)
        {
            writer = _writer;
            _writer = null;
            _poked = writer is null;
        }

        writer?.Complete(true, null);
    }

    /// <summary>Takes the oldest item, if any (the consumer's side); makes room for the writer.</summary>
    /// <param name="item">The item, or the default value.</param>
    /// <returns>Whether there was one.</returns>
    public bool TryRead(out T item)
    {
        Signal? writer = null;
        TaskCompletionSource? caughtUp = null;
        bool found;
        lock (this)
        {
            found = _count > 0;
            if (found)
            {
                writer = DequeueLocked(out item);
            }
            else
            {
                item = default!;
                _busy = false;
                caughtUp = TakeCaughtUp();
            }
        }

        writer?.Complete(true, null);
        caughtUp?.TrySetResult();
        return found;
    }

    /// <summary>
    /// One whole receive call when an item is already queued: takes it for <paramref name="consumer"/>
    /// under one lock, as <see cref="Claim"/>, <see cref="TryRead"/> and <see cref="Release"/> would.
    /// Takes nothing (false) when the queue is empty or the claim would fail; the caller then goes
    /// the long way, which waits or reports the conflict.
    /// </summary>
    /// <param name="consumer">Who asks: a receive call.</param>
    /// <param name="item">The item, or the default value.</param>
    /// <returns>Whether an item was taken.</returns>
    public bool TryTake(Consumer consumer, out T item)
    {
        Debug.Assert(consumer is Consumer.Receive, "a single receive call");
        Signal? writer;
        lock (this)
        {
            if (_count == 0 || _claimed || _consumer == Consumer.Rx)
            {
                item = default!;
                return false;
            }

            _consumer = consumer;
            writer = DequeueLocked(out item);
        }

        writer?.Complete(true, null);
        return true;
    }

    /// <summary>Waits until an item is there (true) or the queue is completed and empty (false, or the completion error thrown).</summary>
    /// <param name="cancellationToken">Cancels the wait; the queue stays as it was.</param>
    /// <returns>Whether an item can be read.</returns>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource? caughtUp;
        ValueTask<bool> wait;
        lock (this)
        {
            if (_count > 0)
            {
                return new ValueTask<bool>(true);
            }

            _busy = false;
            caughtUp = TakeCaughtUp();
            if (_completed)
            {
                wait = _error is null ? new ValueTask<bool>(false) : ValueTask.FromException<bool>(_error);
            }
            else
            {
                Debug.Assert(_reader is null, "one consumer, one wait at a time");
                cancellationToken.ThrowIfCancellationRequested();
                _reader = _readerSignal ??= new Signal(this);
                wait = _reader.Arm(cancellationToken);
            }
        }

        caughtUp?.TrySetResult();
        return wait;
    }

    /// <summary>Completes the queue: no more writes; the consumer drains what is left, then sees the end.</summary>
    /// <param name="error">Thrown by <see cref="WaitToReadAsync"/> once the queue is empty; null for a normal end.</param>
    public void Complete(Exception? error)
    {
        Signal? reader;
        Signal? writer;
        lock (this)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            _error = error;
            reader = _reader;
            writer = _writer;
            _reader = _writer = null;
        }

        writer?.Complete(false, null);
        if (reader is not null)
        {
            if (error is null)
            {
                reader.Complete(false, null);
            }
            else
            {
                reader.Complete(false, error);
            }
        }
    }

    /// <summary>
    /// Makes <paramref name="consumer"/> the one who takes messages: for good for
    /// <see cref="Consumer.Rx"/>, until <see cref="Release"/> for a receive call or an enumeration.
    /// </summary>
    /// <param name="consumer">Who asks.</param>
    /// <exception cref="InvalidOperationException">Another consumer style owns the messages, or another call or enumeration is in progress.</exception>
    public void Claim(Consumer consumer)
    {
        Debug.Assert(consumer != Consumer.None, "somebody claims");
        lock (this)
        {
            if (_consumer == Consumer.Rx)
            {
                if (consumer == Consumer.Rx)
                {
                    return;
                }

                throw new InvalidOperationException(
                    $"This connection's messages go to its Rx subscribers, so {Describe(consumer)} cannot take them too. Use one consumer style per connection: Subscribe, ReceiveAsync or ReadAllAsync.");
            }

            if (_claimed)
            {
                throw new InvalidOperationException(
                    $"{Describe(_consumer)} is already waiting for this connection's messages, so {Describe(consumer)} cannot take them too: receive one message at a time, with one consumer style per connection.");
            }

            _consumer = consumer;
            _claimed = consumer != Consumer.Rx;
        }
    }

    /// <summary>Ends a receive call or an enumeration that <see cref="Claim"/> started.</summary>
    public void Release()
    {
        lock (this)
        {
            Debug.Assert(_claimed, "a call or an enumeration is in progress");
            _claimed = false;
        }
    }

    /// <summary>
    /// Completes once the consumer has caught up: nothing is queued and it came back for more after
    /// the last message it took (or never took one). Not before: messages waiting for a consumer
    /// that never comes keep it pending, which the caller bounds with a timeout.
    /// </summary>
    /// <returns>A task that completes once the consumer has caught up.</returns>
    public Task WhenCaughtUpAsync()
    {
        lock (this)
        {
            if (_count == 0 && !_busy)
            {
                return Task.CompletedTask;
            }

            _caughtUp ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _caughtUp.Task;
        }
    }

    /// <summary>The caught-up signal to complete now that the consumer came back to an empty queue, if anybody waits for it. Called under the lock.</summary>
    private TaskCompletionSource? TakeCaughtUp()
    {
        TaskCompletionSource? caughtUp = _caughtUp;
        _caughtUp = null;
        return caughtUp;
    }

    private static string Describe(Consumer consumer) => consumer switch
    {
        Consumer.Rx => "an Rx subscription",
        Consumer.Receive => "ReceiveAsync",
        Consumer.ReadAll => "ReadAllAsync",
        _ => "nobody",
    };

    /// <summary>Takes the oldest item for the consumer, which is busy with it until it comes back. Called under the lock with an item queued.</summary>
    /// <returns>The writer's wait for room, to complete outside the lock, if it waits.</returns>
    private Signal? DequeueLocked(out T item)
    {
        item = _items![_head];
        _items[_head] = default!;
        _head = (_head + 1) % _items.Length;
        _count--;
        _taken++;
        _busy = true;
        Signal? writer = _writer;
        _writer = null;
        return writer;
    }

    /// <summary>Grows the ring (first 4 items, then doubling, up to the capacity), keeping the order. Called under the lock.</summary>
    private void Grow()
    {
        int length = _items is null ? Math.Min(4, _capacity) : Math.Min(_items.Length * 2, _capacity);
        var grown = new T[length];
        for (int i = 0; i < _count; i++)
        {
            grown[i] = _items![(_head + i) % _items.Length];
        }

        _items = grown;
        _head = 0;
    }
}
