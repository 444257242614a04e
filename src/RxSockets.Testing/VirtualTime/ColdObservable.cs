using System;
using System.Collections.Generic;
using System.Reactive;
using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace RxSockets.Testing;

/// <summary>Notifications at times relative to each subscription, replayed for every subscriber.</summary>
/// <typeparam name="T">The element type.</typeparam>
internal sealed class ColdObservable<T>(TestScheduler scheduler, Recorded<Notification<T>>[] messages) : ITestableObservable<T>
{
    private readonly List<Subscription> _subscriptions = [];

    public IList<Subscription> Subscriptions => _subscriptions;

    public IList<Recorded<Notification<T>>> Messages { get; } = messages ?? throw new ArgumentNullException(nameof(messages));

    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _subscriptions.Add(new Subscription(scheduler.Clock));
        int index = _subscriptions.Count - 1;
        var scheduled = new CompositeDisposable();
        foreach (Recorded<Notification<T>> message in Messages)
        {
            Notification<T> notification = message.Value;
            scheduled.Add(scheduler.ScheduleRelative(default(object), message.Time, (_, _) =>
            {
                notification.Accept(observer);
                return Disposable.Empty;
            }));
        }

        return Disposable.Create(() =>
        {
            _subscriptions[index] = new Subscription(_subscriptions[index].Subscribe, scheduler.Clock);
            scheduled.Dispose();
        });
    }
}
