using System;
using System.Collections.Generic;
using System.Reactive;
using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace RxSockets.Testing;

/// <summary>Notifications at absolute virtual times, delivered to whoever is subscribed then.</summary>
/// <typeparam name="T">The element type.</typeparam>
internal sealed class HotObservable<T> : ITestableObservable<T>
{
    private readonly TestScheduler _scheduler;
    private readonly List<IObserver<T>> _observers = [];
    private readonly List<Subscription> _subscriptions = [];

    public HotObservable(TestScheduler scheduler, Recorded<Notification<T>>[] messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        _scheduler = scheduler;
        Messages = messages;
        foreach (Recorded<Notification<T>> message in messages)
        {
            Notification<T> notification = message.Value;
            scheduler.ScheduleAbsolute(message.Time, () =>
            {
                foreach (IObserver<T> observer in _observers.ToArray())
                {
                    notification.Accept(observer);
                }
            });
        }
    }

    public IList<Subscription> Subscriptions => _subscriptions;

    public IList<Recorded<Notification<T>>> Messages { get; }

    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers.Add(observer);
        _subscriptions.Add(new Subscription(_scheduler.Clock));
        int index = _subscriptions.Count - 1;
        return Disposable.Create(() =>
        {
            _observers.Remove(observer);
            _subscriptions[index] = new Subscription(_subscriptions[index].Subscribe, _scheduler.Clock);
        });
    }
}
