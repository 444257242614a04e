using System.Runtime.CompilerServices;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// Where a connection's own work runs: its loops, the continuations of the signals it completes,
/// and whether a sender may write into the transport on its own thread. Production connections
/// use <see cref="ThreadPool"/>; RxSockets.Testing injects an inline execution (through
/// <see cref="WebSocketOptions"/>) so that a whole conversation runs synchronously on the test
/// scheduler's thread, in a deterministic order. The connection asks this object instead of
/// branching on a test flag.
/// </summary>
/// <remarks>Implementations are stateless and shared by every connection.</remarks>
internal abstract class ConnectionExecution
{
    /// <summary>The default: loops on the thread pool, signals that never run their waiters inline, senders that write on their own thread.</summary>
    public static ConnectionExecution ThreadPool { get; } = new ThreadPoolExecution();

    /// <summary>Whether waiters woken by the connection's signals continue on the thread pool rather than on the thread that wakes them.</summary>
    public abstract bool RunContinuationsAsynchronously { get; }

    /// <summary>
    /// Whether a sender that finds the transport free may write its frame on its own thread. Over
    /// transports that allow it this saves a hand-off per message; an inline execution keeps every
    /// write in the connection's own order instead.
    /// </summary>
    public abstract bool AllowsCallerWrites { get; }

    /// <summary>Moves the rest of an async method to where the connection's loops run.</summary>
    /// <returns>The awaitable.</returns>
    public abstract ConfiguredValueTaskAwaitable Yield();

    /// <summary>Cancels <paramref name="source"/>, running its callbacks where this execution runs work.</summary>
    /// <param name="source">The source to cancel.</param>
    /// <returns>A task that completes once the callbacks ran.</returns>
    public abstract Task CancelAsync(System.Threading.CancellationTokenSource source);

    /// <summary>A one-shot signal whose waiters continue as <see cref="RunContinuationsAsynchronously"/> says.</summary>
    /// <returns>The signal.</returns>
    public TaskCompletionSource NewSignal() =>
        new(RunContinuationsAsynchronously ? TaskCreationOptions.RunContinuationsAsynchronously : TaskCreationOptions.None);

    /// <summary>A one-shot signal with a result, whose waiters continue as <see cref="RunContinuationsAsynchronously"/> says.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <returns>The signal.</returns>
    public TaskCompletionSource<T> NewSignal<T>() =>
        new(RunContinuationsAsynchronously ? TaskCreationOptions.RunContinuationsAsynchronously : TaskCreationOptions.None);

    private sealed class ThreadPoolExecution : ConnectionExecution
    {
        public override bool RunContinuationsAsynchronously => true;

        public override bool AllowsCallerWrites => true;

        public override ConfiguredValueTaskAwaitable Yield() => ThreadPoolSwitch.Yield();

        public override Task CancelAsync(System.Threading.CancellationTokenSource source) => source.CancelAsync();
    }
}
