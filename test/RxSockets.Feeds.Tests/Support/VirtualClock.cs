using System;
using System.Reactive.Concurrency;
using System.Threading;

namespace RxSockets.Feeds.Tests;

/// <summary>
/// Virtual time for the hub: System.Reactive's <see cref="HistoricalScheduler"/> drives the Rx
/// sources, and <see cref="Time"/> is a <see cref="TimeProvider"/> on the same clock, so history
/// age and linger run in the same virtual time. One tick is 1 ms of virtual time (marbles use 10-tick frames).
/// </summary>
/// <remarks>Not thread-safe: drive it from the test's thread.</remarks>
public sealed class VirtualClock
{
    /// <summary>The scheduler; start time 0.</summary>
    public HistoricalScheduler Scheduler { get; } = new(DateTimeOffset.UnixEpoch);

    /// <summary>A clock that reads the scheduler.</summary>
    public TimeProvider Time { get; }

    public VirtualClock() => Time = new SchedulerTime(Scheduler);

    /// <summary>Virtual ticks (milliseconds) since the start.</summary>
    public long Now => (long)(Scheduler.Now - DateTimeOffset.UnixEpoch).TotalMilliseconds;

    /// <summary>A span of <paramref name="ticks"/> virtual ticks.</summary>
    public static TimeSpan Ticks(long ticks) => TimeSpan.FromMilliseconds(ticks);

    /// <summary>Runs <paramref name="action"/> at virtual tick <paramref name="tick"/>.</summary>
    public void At(long tick, Action action) => Scheduler.ScheduleAbsolute(DateTimeOffset.UnixEpoch + Ticks(tick), action);

    /// <summary>Runs everything due up to and including tick <paramref name="tick"/>.</summary>
    public void AdvanceTo(long tick) => Scheduler.AdvanceTo(DateTimeOffset.UnixEpoch + Ticks(tick));

    /// <summary>Moves the clock on by <paramref name="ticks"/>.</summary>
    public void AdvanceBy(long ticks) => Scheduler.AdvanceBy(Ticks(ticks));

    private sealed class SchedulerTime(HistoricalScheduler scheduler) : TimeProvider
    {
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => (scheduler.Now - DateTimeOffset.UnixEpoch).Ticks;

        public override DateTimeOffset GetUtcNow() => scheduler.Now;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new Timer(scheduler, callback, state);
            timer.Change(dueTime, period);
            return timer;
        }

        /// <summary>A one-shot or periodic timer on the scheduler.</summary>
        private sealed class Timer(HistoricalScheduler scheduler, TimerCallback callback, object? state) : ITimer
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
                    _scheduled = scheduler.Schedule(dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime, Fire);
                }

                return true;
            }

            public void Dispose()
            {
                _disposed = true;
                _scheduled?.Dispose();
            }

            public System.Threading.Tasks.ValueTask DisposeAsync()
            {
                Dispose();
                return default;
            }

            private void Fire()
            {
                if (_disposed)
                {
                    return;
                }

                if (_period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan)
                {
                    _scheduled = scheduler.Schedule(_period, Fire);
                }

                callback(state);
            }
        }
    }
}
