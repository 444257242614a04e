using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace RxSockets;

/// <summary>
/// <c>await ThreadPoolSwitch.Yield()</c> moves the rest of an async method to the thread pool: what
/// <c>Task.Run(LoopAsync)</c> did for the per-connection loops, without the wrapper task, the
/// delegate and the unwrap promise that <c>Task.Run</c> allocates for each (the promise lives as
/// long as the loop: 72 bytes per loop and idle connection).
/// </summary>
/// <remarks>
/// A stateless <see cref="IValueTaskSource"/> that is always pending and completes by queueing its
/// continuation to the thread pool. Awaited as a <see cref="ValueTask"/>, the async method builder
/// hands it the state machine itself (no continuation delegate is created and cached in the state
/// machine, as a custom awaiter would cause). Unlike <c>Task.Yield</c>, it ignores the current
/// <see cref="SynchronizationContext"/> and <see cref="TaskScheduler"/>, as <c>Task.Run</c> does;
/// the execution context flows as for any <c>await</c>.
/// </remarks>
internal sealed class ThreadPoolSwitch : IValueTaskSource
{
    private static readonly ThreadPoolSwitch Instance = new();

    private ThreadPoolSwitch()
    {
    }

    /// <summary>Returns an awaitable that continues on the thread pool.</summary>
    /// <returns>The awaitable.</returns>
    public static ConfiguredValueTaskAwaitable Yield() => new ValueTask(Instance, 0).ConfigureAwait(false);

    /// <inheritdoc/>
    public ValueTaskSourceStatus GetStatus(short token) => ValueTaskSourceStatus.Pending;

    /// <inheritdoc/>
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        if ((flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0)
        {
            ThreadPool.QueueUserWorkItem(continuation, state, preferLocal: false);
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(continuation, state, preferLocal: false);
        }
    }

    /// <inheritdoc/>
    public void GetResult(short token)
    {
    }
}
