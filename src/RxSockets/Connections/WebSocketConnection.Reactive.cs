using System;
using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>The <see cref="IObservable{T}"/> side: a delivery pump from the incoming queue to subscribers.</summary>
public sealed partial class WebSocketConnection
{
    /// <summary>Current subscribers; replaced as a whole under <see cref="_subscribersLock"/> and read without a lock by the pump.</summary>
    private ImmutableArray<IObserver<Message>> _subscribers = [];

    private readonly Lock _subscribersLock = new();

    /// <summary>Completed when a subscriber arrives while the pump waits for one; set by the waiting pump, null otherwise (never created on a connection nobody subscribes to).</summary>
    private TaskCompletionSource? _subscriberArrived;

    /// <summary>The delivery pump, started by the first subscription.</summary>
    private Task? _pump;

    /// <summary>Set by the pump once it delivered the ending; later subscribers get the ending at once.</summary>
    private Exception? _terminalError;

    /// <summary>Whether the pump has delivered the ending.</summary>
    private bool _terminated;

    /// <summary>
    /// Subscribes to incoming messages. The stream is hot and shared: each message goes to every
    /// current subscriber; messages that arrived before the first subscription are kept (up to
    /// <see cref="WebSocketOptions.MaxQueue"/>) and delivered to it. While nobody is subscribed,
    /// messages wait in the queue. <c>OnCompleted</c> follows a normal close,
    /// <c>OnError(</c><see cref="ConnectionClosedException"/><c>)</c> any other; subscribing after
    /// the end replays the ending.
    /// </summary>
    /// <param name="observer">The observer; called one message at a time, never under a lock.</param>
    /// <returns>Disposing it unsubscribes (the connection stays open).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="observer"/> is null.</exception>
    /// <exception cref="InvalidOperationException">A <c>ReceiveAsync</c> call or <c>ReadAllAsync</c> enumeration is in progress: use one consumer style per connection.</exception>
    public IDisposable Subscribe(IObserver<Message> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _incoming.Claim(IncomingQueue<Message>.Consumer.Rx); // from now on every message goes to the subscribers
        bool subscribed = false;
        bool startPump = false;
        TaskCompletionSource? arrived = null;
        lock (_subscribersLock)
        {
            if (!_terminated)
            {
                _subscribers = _subscribers.Add(observer);
                subscribed = true;
                startPump = _pump is null;
                _pump ??= Task.CompletedTask; // claimed; replaced below, outside the lock
                arrived = _subscriberArrived;
                _subscriberArrived = null;
            }
        }

        if (subscribed)
        {
            // Outside the lock: with inline execution the pump runs (and calls observers) right here.
            if (startPump)
            {
                _pump = PumpAsync();
            }

            arrived?.TrySetResult();
            return new Subscription(this, observer);
        }

        DeliverEnding(observer, _terminalError);
        return System.Reactive.Disposables.Disposable.Empty;
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
        lock (_subscribersLock)
        {
            _subscribers = _subscribers.Remove(observer);
        }
    }

    /// <summary>Moves messages from the incoming queue to the subscribers, in order, one at a time.</summary>
    private async Task PumpAsync()
    {
        await _options.Execution.Yield(); // off the subscriber's thread
        try
        {
            while (await _incoming.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                ImmutableArray<IObserver<Message>> subscribers = await WaitForSubscribersAsync().ConfigureAwait(false);
                if (!_incoming.TryRead(out Message message))
                {
                    continue;
                }

                message = Owned(message); // observers may keep what they get

                foreach (IObserver<Message> observer in subscribers)
                {
                    try
                    {
                        observer.OnNext(message);
                    }
                    catch (Exception ex)
                    {
                        // An observer that throws breaks the Rx grammar; it cannot be told anything
                        // more. Treat it like a failing handler: close with 1011, drop the observer.
                        Log.ObserverFailed(_logger, Id, ex);
                        Unsubscribe(observer);
                        RecordError(ex);
                        FailConnection(new Protocol.CloseStatus(Protocol.CloseCode.InternalError));
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

    /// <summary>Returns the current subscribers, waiting until there is at least one.</summary>
    private async ValueTask<ImmutableArray<IObserver<Message>>> WaitForSubscribersAsync()
    {
        while (true)
        {
            Task arrived;
            lock (_subscribersLock)
            {
                if (!_subscribers.IsEmpty)
                {
                    return _subscribers;
                }

                _subscriberArrived = _options.Execution.NewSignal();
                arrived = _subscriberArrived.Task;
            }

            await arrived.ConfigureAwait(false);
        }
    }

    /// <summary>Delivers the ending to every subscriber: OnCompleted after a normal close, OnError otherwise.</summary>
    private void Terminate(Exception? error)
    {
        ConnectionClosedException closed = ClosedError();
        Exception? ending = error is null && closed.IsNormal ? null : error ?? closed;
        ImmutableArray<IObserver<Message>> subscribers;
        lock (_subscribersLock)
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

    private sealed class Subscription(WebSocketConnection connection, IObserver<Message> observer) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                connection.Unsubscribe(observer);
            }
        }
    }
}
