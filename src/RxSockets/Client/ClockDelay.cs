using System;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// A delay on a <see cref="TimeProvider"/>'s timer, to the tick. <c>Task.Delay(TimeSpan, TimeProvider)</c>
/// rounds down to whole milliseconds and completes at once below one, which would turn a virtual-time
/// schedule measured in ticks into a tight loop; this one hands the exact span to the timer.
/// </summary>
internal static class ClockDelay
{
    /// <summary>Completes after <paramref name="delay"/> on <paramref name="time"/>, or is cancelled.</summary>
    /// <param name="time">The clock.</param>
    /// <param name="delay">How long; zero or less completes at once.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The wait; its continuation runs on the timer's thread (or the cancelling one).</returns>
    public static Task DelayAsync(TimeProvider time, TimeSpan delay, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (delay <= TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }

        var done = new TaskCompletionSource();
        ITimer timer = time.CreateTimer(static state => ((TaskCompletionSource)state!).TrySetResult(), done, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        CancellationTokenRegistration registration = cancellationToken.Register(static state =>
        {
            var (source, token) = ((TaskCompletionSource, CancellationToken))state!;
            source.TrySetCanceled(token);
        }, (done, cancellationToken));
        timer.Change(delay, Timeout.InfiniteTimeSpan);
        return Finish(done.Task, timer, registration);

        static async Task Finish(Task wait, ITimer timer, CancellationTokenRegistration registration)
        {
            try
            {
                await wait.ConfigureAwait(false);
            }
            finally
            {
                // Unregister, not Dispose: this may run inside the cancellation callback itself,
                // which Dispose(Async) would wait for.
                registration.Unregister();
                await timer.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
