using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;

namespace RxSockets.Tests;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that reports each timer it arms, so a test can advance
/// virtual time only once the loop it drives has armed its timer (loops run on the thread pool;
/// advancing earlier would simply be missed). Arming is creating a timer with a due time or
/// changing one to a due time (<see cref="ITimer.Change"/>): keepalive re-arms one timer.
/// </summary>
internal sealed class RecordingTimeProvider : FakeTimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<TimeSpan> _created = [];
    private readonly List<(TimeSpan DueTime, int Count, TaskCompletionSource Signal)> _waiters = [];

    /// <summary>How many timers have been armed with this due time so far.</summary>
    public int TimersCreated(TimeSpan dueTime)
    {
        lock (_gate)
        {
            return _created.FindAll(d => d == dueTime).Count;
        }
    }

    /// <summary>Completes once timers have been armed at least <paramref name="count"/> times with <paramref name="dueTime"/>.</summary>
    public Task WhenTimersCreated(TimeSpan dueTime, int count)
    {
        lock (_gate)
        {
            if (_created.FindAll(d => d == dueTime).Count >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((dueTime, count, signal));
            return signal.Task;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ITimer timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            Armed(dueTime);
        }

        return new RecordingTimer(this, timer);
    }

    private void Armed(TimeSpan dueTime)
    {
        lock (_gate)
        {
            _created.Add(dueTime);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                (TimeSpan due, int count, TaskCompletionSource signal) = _waiters[i];
                if (_created.FindAll(d => d == due).Count >= count)
                {
                    signal.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private sealed class RecordingTimer(RecordingTimeProvider provider, ITimer timer) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            bool changed = timer.Change(dueTime, period);
            if (changed && dueTime != Timeout.InfiniteTimeSpan)
            {
                provider.Armed(dueTime);
            }

            return changed;
        }

        public void Dispose() => timer.Dispose();

        public ValueTask DisposeAsync() => timer.DisposeAsync();
    }
}
