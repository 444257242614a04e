using System;
using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// The <see cref="IObservable{T}"/> side of a connection: moves messages from the incoming queue
/// to the current subscribers, in order, one at a time, never under a lock; then delivers the
/// ending. Created by the first subscription, so a connection consumed with <c>ReceiveAsync</c>
/// never holds one.
/// </summary>
/// <remarks>
/// Thread-safe. The subscriber list is replaced as a whole under the lock and read without it by
/// the pump. The pump waits (holding nothing) while nobody is subscribed: messages then stay in
/// the queue, bounded, and reading pauses when it is full.
/// </remarks>
internal sealed class SubscriberPump
{
    /// <summary>
    /// Most messages delivered in one run, between two looks at the queue's signal: what observers
    /// send back in a run is written when it ends (see <see cref="PumpAsync"/>), so a peer that
    /// never stops sending still gets answers.
    /// </summary>
    private const int MaxRun = 64;

    private readonly WebSocketConnection _owner;
    private readonly IncomingQueue<Message> _incoming;
    private readonly ConnectionExecution _execution;
    private readonly Lock _lock = new();

    /// <summary>Current subscribers; replaced as a whole under <see cref="_lock"/>.</summary>
    private ImmutableArray<IObserver<Message>> _subscribers = [];

    /// <summary>Completed when a subscriber arrives while the pump waits for one; set by the waiting pump.</summary>
    private TaskCompletionSource? _subscriberArrived;

    /// <summary>Whether the pump was started (by the first subscription).</summary>
    private bool _started;

    /// <summary>Whether the pump has delivered the ending; later subscribers get it at once.</summary>
    private bool _terminated;

    /// <summary>The ending delivered: null after a normal close.</summary>
    private Exception? _terminalError;

    public SubscriberPump(WebSocketConnection owner, IncomingQueue<Message> incoming, ConnectionExecution execution)
    {
        _owner = owner;
        _incoming = incoming;
        _execution = execution;
    }

    /// <summary>Adds a subscriber (starting the pump with the first), or delivers the ending at once when the stream has ended.</summary>
    /// <param name="observer">The observer.</param>
    /// <returns>Disposing it unsubscribes.</returns>
    public IDisposable Subscribe(IObserver<Message> observer)
    {
        bool subscribed = false;
        bool start = false;
        TaskCompletionSource? arrived = null;
        lock (_lock)
        {
            if (!_terminated)
            {
                subscribed = true;
                _subscribers = _subscribers.Add(observer);
                start = !_started;
                _started = true;
                arrived = _subscriberArrived;
                _subscriberArrived = null;
            }
        }

        if (!subscribed)
        {
            DeliverEnding(observer, _terminalError);
            return System.Reactive.Disposables.Disposable.Empty;
        }

        // Outside the lock: with an inline execution the pump runs (and calls observers) right here.
        if (start)
        {
            _ = PumpAsync();
        }

        arrived?.TrySetResult();
        return new Subscription(this, observer);
    }

    private static void DeliverEnding(IObserver<Message> observer, Exception? error)
    {
        if (error is null)
        {
            observer.OnCompleted();
        }
        else
        {
            observer.OnError(error);
        }
    }

    private void Unsubscribe(IObserver<Message> observer)
    {
        lock (_lock)
        {
            _subscribers = _subscribers.Remove(observer);
        }
    }

    /// <summary>Moves messages from the incoming queue to the subscribers, in order, one at a time.</summary>
    private async Task PumpAsync()
    {
        await _execution.Yield(); // off the subscriber's thread
        try
        {
            while (await _incoming.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                ImmutableArray<IObserver<Message>> subscribers = await WaitForSubscribersAsync().ConfigureAwait(false);

                // What observers send back while they see this run is written once the run is
                // delivered, with one flush and no hand-off (Outbox.BeginBurst).
                bool burst = _owner.Outbox.BeginBurst();
                try
                {
                    for (int delivered = 0; delivered < MaxRun && !subscribers.IsEmpty && _incoming.TryRead(out Message message); delivered++)
                    {
                        Deliver(subscribers, PooledPayload.Owned(message)); // observers may keep what they get
                        subscribers = _subscribers; // a subscriber that left during the run gets nothing more
                    }
                }
                finally
                {
                    if (burst)
                    {
                        _owner.Outbox.EndBurst();
                    }
                }
            }

            Terminate(null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Terminate(ex);
        }
    }

    /// <summary>Gives one message to every subscriber.</summary>
    private void Deliver(ImmutableArray<IObserver<Message>> subscribers, Message message)
    {
        foreach (IObserver<Message> observer in subscribers)
        {
            try
            {
                observer.OnNext(message);
            }
            catch (Exception ex)
            {
                // An observer that throws breaks the Rx grammar; it cannot be told anything
                // more. Treat it like a failing handler: drop it, close with 1011.
                Unsubscribe(observer);
                _owner.ObserverFailed(ex);
            }
        }
    }

    /// <summary>Returns the current subscribers, waiting until there is at least one.</summary>
    private async ValueTask<ImmutableArray<IObserver<Message>>> WaitForSubscribersAsync()
    {
        while (true)
        {
            Task arrived;
            lock (_lock)
            {
                if (!_subscribers.IsEmpty)
                {
                    return _subscribers;
                }

                _subscriberArrived = _execution.NewSignal();
                arrived = _subscriberArrived.Task;
            }

            await arrived.ConfigureAwait(false);
        }
    }

    /// <summary>Delivers the ending to every subscriber: OnCompleted after a normal close, OnError otherwise.</summary>
    private void Terminate(Exception? error)
    {
        ConnectionClosedException closed = _owner.ClosedError();
        Exception? ending = error is null && closed.IsNormal ? null : error ?? closed;
        ImmutableArray<IObserver<Message>> subscribers;
        lock (_lock)
        {
            subscribers = _subscribers;
            _subscribers = [];
            _terminalError = ending;
            _terminated = true;
        }

        foreach (IObserver<Message> observer in subscribers)
        {
            DeliverEnding(observer, ending);
        }
    }

    private sealed class Subscription(SubscriberPump pump, IObserver<Message> observer) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                pump.Unsubscribe(observer);
            }
        }
    }
}
