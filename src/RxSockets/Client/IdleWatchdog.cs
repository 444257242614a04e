using System;
using System.Threading;

namespace RxSockets;

/// <summary>
/// Fires once when no message has arrived for a whole timeout. A message only stores the time
/// (one write, no timer change); when the timer comes due it compares the clock with the last
/// message and either fires or re-arms for the rest of the window. So it cannot fire while messages
/// flow, however fast, and costs nothing per message beyond reading the clock.
/// </summary>
/// <remarks>
/// Thread-safe: <see cref="Touch"/> may race with the timer; the time of the last message is read
/// and written atomically, and the timer callbacks of one <see cref="ITimer"/> never overlap here
/// because the timer is one-shot and re-armed from its own callback.
/// </remarks>
internal sealed class IdleWatchdog : IDisposable
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly Action _onIdle;
    private readonly ITimer _timer;

    /// <summary>The timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the last message, or of the start.</summary>
    private long _last;

    /// <summary>1 once fired or disposed: it fires at most once.</summary>
    private int _done;

    /// <summary>Starts watching now.</summary>
    /// <param name="time">The clock.</param>
    /// <param name="timeout">How long without a message is too long.</param>
    /// <param name="onIdle">What to do then (called at most once, on the timer's thread).</param>
    public IdleWatchdog(TimeProvider time, TimeSpan timeout, Action onIdle)
    {
        _time = time;
        _timeout = timeout;
        _onIdle = onIdle;
        _last = time.GetTimestamp();
        _timer = time.CreateTimer(static state => ((IdleWatchdog)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timer.Change(timeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A message arrived: the window starts again.</summary>
    public void Touch() => Volatile.Write(ref _last, _time.GetTimestamp());

    /// <summary>Stops watching.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _done, 1);
        _timer.Dispose();
    }

    private void OnTimer()
    {
        if (Volatile.Read(ref _done) == 1)
        {
            return;
        }

        TimeSpan quiet = _time.GetElapsedTime(Volatile.Read(ref _last));
        if (quiet < _timeout)
        {
            _timer.Change(_timeout - quiet, Timeout.InfiniteTimeSpan);
            return;
        }

        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            _onIdle();
        }
    }
}
