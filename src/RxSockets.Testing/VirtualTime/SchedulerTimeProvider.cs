using System;
using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Testing;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock is a virtual-time scheduler: timestamps are the
/// scheduler's <see cref="IScheduler.Now"/> in <see cref="TimeSpan"/> ticks, and timers are
/// scheduled on it, so they fire when a test advances the clock past them. This is how RxSockets'
/// keepalive, close timeout and open timeout run in virtual time.
/// </summary>
/// <remarks>
/// Durations go through the scheduler's own conversion (<see cref="IScheduler.Schedule{TState}(TState, TimeSpan, Func{IScheduler, TState, IDisposable})"/>),
/// so any <see cref="VirtualTimeSchedulerBase{TAbsolute, TRelative}"/> works: Microsoft.Reactive.Testing's
/// <c>TestScheduler</c> (1 tick = 100 ns) as well as a <see cref="HistoricalScheduler"/>.
/// Callbacks run without a synchronization context, as a system timer's do.
/// Like the scheduler, not thread-safe: drive it from the test's thread.
/// </remarks>
/// <typeparam name="TAbsolute">The scheduler's absolute time.</typeparam>
/// <typeparam name="TRelative">The scheduler's relative time.</typeparam>
internal sealed class SchedulerTimeProvider<TAbsolute, TRelative>(VirtualTimeSchedulerBase<TAbsolute, TRelative> scheduler) : TimeProvider
    where TAbsolute : IComparable<TAbsolute>
{
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => scheduler.Now.UtcTicks;

    public override DateTimeOffset GetUtcNow() => scheduler.Now.ToUniversalTime();

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new VirtualTimer(scheduler, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>A timer scheduled on the virtual clock; <see cref="Timeout.InfiniteTimeSpan"/> means "never".</summary>
    private sealed class VirtualTimer(IScheduler scheduler, TimerCallback callback, object? state) : ITimer
    {
        private IDisposable? _scheduled;
        private TimeSpan _period = Timeout.InfiniteTimeSpan;
        private bool _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (_disposed)
            {
                return false;
            }

            _scheduled?.Dispose();
            _scheduled = null;
            _period = period;
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                Arm(dueTime);
            }

            return true;
        }

        public void Dispose()
        {
            _disposed = true;
            _scheduled?.Dispose();
            _scheduled = null;
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return default;
        }

        private void Arm(TimeSpan due) =>
            _scheduled = scheduler.Schedule(this, due < TimeSpan.Zero ? TimeSpan.Zero : due, static (_, timer) =>
            {
                timer.Fire();
                return Disposable.Empty;
            });

        private void Fire()
        {
            if (_disposed)
            {
                return;
            }

            if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero)
            {
                Arm(_period);
            }

            // As a system timer's callback on the thread pool: without the test's synchronization
            // context, so continuations it completes run inline instead of being posted away.
            using (NoSynchronizationContext.Enter())
            {
                callback(state);
            }
        }
    }
}
