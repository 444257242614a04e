using System;
using System.Reactive;

namespace RxSockets.Testing;

/// <summary>
/// Factory methods for recorded notifications and subscriptions, in the style of
/// Microsoft.Reactive.Testing. Inherit from it in a test fixture, or call its static members.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public class ReactiveTest
{
    /// <summary>Same as <see cref="TestScheduler.Created"/>.</summary>
    public const long Created = TestScheduler.Created;

    /// <summary>Same as <see cref="TestScheduler.Subscribed"/>.</summary>
    public const long Subscribed = TestScheduler.Subscribed;

    /// <summary>Same as <see cref="TestScheduler.Disposed"/>.</summary>
    public const long Disposed = TestScheduler.Disposed;

    /// <summary>An <c>OnNext</c> at a virtual time.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="ticks">The virtual time.</param>
    /// <param name="value">The value.</param>
    /// <returns>The recorded notification.</returns>
    public static Recorded<Notification<T>> OnNext<T>(long ticks, T value) => new(ticks, Notification.CreateOnNext(value));

    /// <summary>An <c>OnCompleted</c> at a virtual time.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="ticks">The virtual time.</param>
    /// <returns>The recorded notification.</returns>
    public static Recorded<Notification<T>> OnCompleted<T>(long ticks) => new(ticks, Notification.CreateOnCompleted<T>());

    /// <summary>An <c>OnError</c> at a virtual time.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="ticks">The virtual time.</param>
    /// <param name="error">The error.</param>
    /// <returns>The recorded notification.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="error"/> is null.</exception>
    public static Recorded<Notification<T>> OnError<T>(long ticks, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new(ticks, Notification.CreateOnError<T>(error));
    }

    /// <summary>A subscription from <paramref name="subscribe"/> to <paramref name="unsubscribe"/>.</summary>
    /// <param name="subscribe">When it started.</param>
    /// <param name="unsubscribe">When it ended.</param>
    /// <returns>The subscription record.</returns>
    public static Subscription Subscribe(long subscribe, long unsubscribe) => new(subscribe, unsubscribe);

    /// <summary>A subscription from <paramref name="subscribe"/> that never ended.</summary>
    /// <param name="subscribe">When it started.</param>
    /// <returns>The subscription record.</returns>
    public static Subscription Subscribe(long subscribe) => new(subscribe);
}
