using System;
using System.Reactive;
using System.Reactive.Concurrency;

namespace RxSockets.Testing;

/// <summary>
/// A virtual-time scheduler for tests: time advances only when the test says so, in ticks of
/// 100 ns (<see cref="TimeSpan.Ticks"/>), so a 20-second keepalive takes no wall time at all.
/// Built on System.Reactive's <see cref="VirtualTimeScheduler{TAbsolute, TRelative}"/>, like
/// Microsoft.Reactive.Testing's scheduler, whose conventions it follows.
/// </summary>
/// <remarks>
/// Not thread-safe: use it from the test's thread. Work scheduled for "now" or the past runs one
/// tick later, so that ordering stays deterministic. Use <see cref="TimeProvider"/> to give the
/// same clock to code that takes a <see cref="System.TimeProvider"/>, such as RxSockets'
/// keepalive and timeouts.
/// </remarks>
public class TestScheduler : VirtualTimeScheduler<long, long>
{
    /// <summary>Default virtual time at which <see cref="Start{T}(Func{IObservable{T}})"/> creates the observable.</summary>
    public const long Created = 100;

    /// <summary>Default virtual time at which <see cref="Start{T}(Func{IObservable{T}})"/> subscribes.</summary>
    public const long Subscribed = 200;

    /// <summary>Default virtual time at which <see cref="Start{T}(Func{IObservable{T}})"/> disposes the subscription.</summary>
    public const long Disposed = 1000;

    private SchedulerTimeProvider? _timeProvider;

    /// <summary>This scheduler's clock as a <see cref="System.TimeProvider"/> (timers fire when virtual time passes them).</summary>
    public TimeProvider TimeProvider => _timeProvider ??= new SchedulerTimeProvider(this);

    /// <summary>Schedules an action at an absolute virtual time (one tick after now if that time has passed).</summary>
    /// <typeparam name="TState">The state's type.</typeparam>
    /// <param name="state">State passed to the action.</param>
    /// <param name="dueTime">The absolute virtual time.</param>
    /// <param name="action">The action.</param>
    /// <returns>Disposing it cancels the action.</returns>
    public override IDisposable ScheduleAbsolute<TState>(TState state, long dueTime, Func<IScheduler, TState, IDisposable> action)
    {
        if (dueTime <= Clock)
        {
            dueTime = Clock + 1;
        }

        return base.ScheduleAbsolute(state, dueTime, action);
    }

    /// <summary>Creates an observable at <see cref="Created"/>, subscribes at <see cref="Subscribed"/>, disposes at <see cref="Disposed"/>, and runs the scheduler.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="create">Creates the observable under test.</param>
    /// <returns>The observer that recorded every notification.</returns>
    public ITestableObserver<T> Start<T>(Func<IObservable<T>> create) => Start(create, Created, Subscribed, Disposed);

    /// <summary>Creates an observable, subscribes to it and disposes the subscription at the given virtual times, and runs the scheduler.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="create">Creates the observable under test.</param>
    /// <param name="created">When to call <paramref name="create"/>.</param>
    /// <param name="subscribed">When to subscribe.</param>
    /// <param name="disposed">When to dispose the subscription.</param>
    /// <returns>The observer that recorded every notification.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="create"/> is null.</exception>
    public ITestableObserver<T> Start<T>(Func<IObservable<T>> create, long created, long subscribed, long disposed)
    {
        ArgumentNullException.ThrowIfNull(create);
        IObservable<T>? source = null;
        IDisposable? subscription = null;
        ITestableObserver<T> observer = CreateObserver<T>();
        this.ScheduleAbsolute(created, () => source = create());
        this.ScheduleAbsolute(subscribed, () => subscription = source!.Subscribe(observer));
        this.ScheduleAbsolute(disposed, () => subscription?.Dispose());
        Start();
        return observer;
    }

    /// <summary>Creates a hot observable: its notifications happen at their absolute times whether or not anyone listens.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="messages">The notifications and their absolute times.</param>
    /// <returns>The observable, which records its subscriptions.</returns>
    public ITestableObservable<T> CreateHotObservable<T>(params Recorded<Notification<T>>[] messages) => new HotObservable<T>(this, messages);

    /// <summary>Creates a cold observable: each subscription replays the notifications at times relative to its start.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="messages">The notifications and their relative times.</param>
    /// <returns>The observable, which records its subscriptions.</returns>
    public ITestableObservable<T> CreateColdObservable<T>(params Recorded<Notification<T>>[] messages) => new ColdObservable<T>(this, messages);

    /// <summary>Creates an observer that records every notification with the virtual time it arrived at.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <returns>The observer.</returns>
    public ITestableObserver<T> CreateObserver<T>() => new TestObserver<T>(this);

    /// <summary>Adds a relative time to an absolute one.</summary>
    /// <param name="absolute">Absolute ticks.</param>
    /// <param name="relative">Relative ticks.</param>
    /// <returns>The sum.</returns>
    protected override long Add(long absolute, long relative) => absolute + relative;

    /// <summary>Converts virtual ticks to a date (ticks since 0001-01-01 UTC).</summary>
    /// <param name="absolute">Absolute ticks.</param>
    /// <returns>The date.</returns>
    protected override DateTimeOffset ToDateTimeOffset(long absolute) => new(absolute, TimeSpan.Zero);

    /// <summary>Converts a time span to virtual ticks.</summary>
    /// <param name="timeSpan">The time span.</param>
    /// <returns>Its ticks.</returns>
    protected override long ToRelative(TimeSpan timeSpan) => timeSpan.Ticks;
}
