using System;
using System.Threading;

namespace RxSockets;

/// <summary>A one-shot timer kept in a field and armed at most once, from any thread.</summary>
internal static class OnceTimer
{
    /// <summary>
    /// Creates the timer in <paramref name="slot"/> unless it holds one already: of two threads
    /// arming at the same time, one timer survives and the other is disposed before it can fire.
    /// </summary>
    /// <param name="slot">The field; disposing what it holds stops the timer.</param>
    /// <param name="time">The clock.</param>
    /// <param name="due">When it fires, from now.</param>
    /// <param name="callback">What it runs.</param>
    /// <param name="state">What <paramref name="callback"/> gets.</param>
    public static void Arm(ref ITimer? slot, TimeProvider time, TimeSpan due, TimerCallback callback, object state)
    {
        if (Volatile.Read(ref slot) is not null)
        {
            return;
        }

        ITimer timer = time.CreateTimer(callback, state, due, Timeout.InfiniteTimeSpan);
        if (Interlocked.CompareExchange(ref slot, timer, null) is not null)
        {
            timer.Dispose();
        }
    }
}
