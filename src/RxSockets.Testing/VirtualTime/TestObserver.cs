using System;
using System.Collections.Generic;
using System.Reactive;

namespace RxSockets.Testing;

/// <summary>Records notifications with the scheduler's clock (Microsoft.Reactive.Testing's MockObserver).</summary>
/// <typeparam name="T">The element type.</typeparam>
internal sealed class TestObserver<T>(TestScheduler scheduler) : ITestableObserver<T>
{
    private readonly List<Recorded<Notification<T>>> _messages = [];

    public IList<Recorded<Notification<T>>> Messages => _messages;

    public void OnNext(T value) => _messages.Add(new Recorded<Notification<T>>(scheduler.Clock, Notification.CreateOnNext(value)));

    public void OnError(Exception error) => _messages.Add(new Recorded<Notification<T>>(scheduler.Clock, Notification.CreateOnError<T>(error)));

    public void OnCompleted() => _messages.Add(new Recorded<Notification<T>>(scheduler.Clock, Notification.CreateOnCompleted<T>()));
}
