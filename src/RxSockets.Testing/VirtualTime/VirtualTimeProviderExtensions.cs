using System;
using System.Reactive.Concurrency;
using System.Runtime.CompilerServices;

namespace RxSockets.Testing;

/// <summary>
/// Gives a virtual-time scheduler's clock to code that takes a <see cref="TimeProvider"/>, such as
/// RxSockets' keepalive and timeouts (<see cref="WebSocketOptions.TimeProvider"/>).
/// </summary>
/// <remarks>Thread-safe to call; the provider it returns is as single-threaded as its scheduler.</remarks>
public static class VirtualTimeProviderExtensions
{
    private static readonly ConditionalWeakTable<object, TimeProvider> s_providers = [];

    /// <summary>
    /// This scheduler's clock as a <see cref="TimeProvider"/>: <see cref="TimeProvider.GetUtcNow"/>
    /// is the scheduler's <see cref="IScheduler.Now"/>, timestamps count <see cref="TimeSpan"/>
    /// ticks, and timers (<c>Task.Delay</c>, <see cref="System.Threading.CancellationTokenSource"/>
    /// timeouts, <see cref="TimeProvider.CreateTimer"/>) fire when the test advances virtual time
    /// past them. The same provider is returned for the same scheduler.
    /// </summary>
    /// <typeparam name="TAbsolute">The scheduler's absolute time (<see cref="long"/> for Microsoft.Reactive.Testing's <c>TestScheduler</c>).</typeparam>
    /// <typeparam name="TRelative">The scheduler's relative time.</typeparam>
    /// <param name="scheduler">The scheduler, usually a <c>TestScheduler</c>.</param>
    /// <returns>The time provider.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="scheduler"/> is null.</exception>
    public static TimeProvider AsTimeProvider<TAbsolute, TRelative>(this VirtualTimeSchedulerBase<TAbsolute, TRelative> scheduler)
        where TAbsolute : IComparable<TAbsolute>
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        return s_providers.GetValue(scheduler, static s => new SchedulerTimeProvider<TAbsolute, TRelative>((VirtualTimeSchedulerBase<TAbsolute, TRelative>)s));
    }
}
