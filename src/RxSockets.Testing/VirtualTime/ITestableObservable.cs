using System;
using System.Collections.Generic;
using System.Reactive;

namespace RxSockets.Testing;

/// <summary>A scripted observable that records when it was subscribed to and unsubscribed from.</summary>
/// <typeparam name="T">The element type.</typeparam>
public interface ITestableObservable<T> : IObservable<T>
{
    /// <summary>Every subscription, with its start and end in virtual time.</summary>
    IList<Subscription> Subscriptions { get; }

    /// <summary>The scripted notifications.</summary>
    IList<Recorded<Notification<T>>> Messages { get; }
}
