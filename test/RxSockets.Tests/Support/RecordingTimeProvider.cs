using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;

namespace RxSockets.Tests;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that reports each timer it creates, so a test can advance
/// virtual time only once the loop it drives has armed its timer (loops run on the thread pool;
/// advancing earlier would simply be missed).
/// </summary>
internal sealed class RecordingTimeProvider : FakeTimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<TimeSpan> _created = [];
    private readonly List<(TimeSpan DueTime, int Count, TaskCompletionSource Signal)> _waiters = [];

    /// <summary>How many timers with this due time have been created so far.</summary>
    public int TimersCreated(TimeSpan dueTime)
    {
        lock (_gate)
        {
            return _created.FindAll(d => d == dueTime).Count;
        }
    }

    /// <summary>Completes once at least <paramref name="count"/> timers with <paramref name="dueTime"/> have been created.</summary>
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

        return timer;
    }
}
