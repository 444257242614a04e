using System;
using System.Reactive.Concurrency;
using System.Threading;

namespace RxSockets.Testing;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock is a <see cref="TestScheduler"/>: timestamps are
/// virtual ticks and timers fire when the scheduler's clock passes them. This is how RxSockets'
/// keepalive, close timeout and open timeout run in virtual time.
/// </summary>
/// <remarks>Like the scheduler, not thread-safe: drive it from the test's thread.</remarks>
internal sealed class SchedulerTimeProvider(TestScheduler scheduler) : TimeProvider
{
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => scheduler.Clock;

    public override DateTimeOffset GetUtcNow() => new(scheduler.Clock, TimeSpan.Zero);

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new VirtualTimer(scheduler, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>A timer scheduled on the virtual clock; <see cref="Timeout.InfiniteTimeSpan"/> means "never".</summary>
    private sealed class VirtualTimer(TestScheduler scheduler, TimerCallback callback, object? state) : ITimer
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

        public System.Threading.Tasks.ValueTask DisposeAsync()
        {
            Dispose();
            return default;
        }

        private void Arm(TimeSpan due) =>
            _scheduled = scheduler.ScheduleAbsolute(scheduler.Clock + Math.Max(due.Ticks, 0), Fire);

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

            callback(state);
        }
    }
}
