using System;
using System.Threading;

namespace RxSockets;

/// <summary>The <see cref="IObservable{T}"/> side: subscriptions go to the connection's <see cref="SubscriberPump"/>.</summary>
public sealed partial class WebSocketConnection
{
    /// <summary>Created by the first subscription.</summary>
    private SubscriberPump? _subscribers;

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
        SubscriberPump pump = Volatile.Read(ref _subscribers)
            ?? Interlocked.CompareExchange(ref _subscribers, new SubscriberPump(this, _incoming, _options.Execution), null)
            ?? _subscribers!;
        return pump.Subscribe(observer);
    }

    /// <summary>An observer threw: it breaks the Rx grammar and cannot be told anything more; the connection fails like a failing handler, with 1011.</summary>
    internal void ObserverFailed(Exception error)
    {
        Log.ObserverFailed(_logger, Id, error);
        RecordError(error);
        FailConnection(new CloseStatus(CloseCode.InternalError));
    }
}
