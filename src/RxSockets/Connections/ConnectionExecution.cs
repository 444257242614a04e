using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets;

/// <summary>
/// Where a connection's own work runs: its read and write loops, the continuations of the signals
/// it completes (a pong, room in the send queue, the end of the connection), and whether a sender
/// may write into the transport on its own thread. Set it through
/// <see cref="WebSocketOptions.Execution"/>; servers use it for their sessions and shutdown too.
/// </summary>
/// <remarks>
/// <para>
/// Every connection runs on <see cref="ThreadPool"/> unless its options say otherwise. The other
/// use is deterministic testing: an execution that runs everything inline (RxSockets.Testing's
/// <c>InlineExecution</c>), over in-memory pipes whose continuations also run inline and a virtual
/// <see cref="System.TimeProvider"/>, makes a whole conversation happen synchronously inside the
/// call that started it, in one order. Such an execution is for in-memory transports only: over a
/// socket, an inline read loop would hold the thread that completed the socket operation.
/// </para>
/// <para>
/// Implementations must be stateless or thread-safe: one instance is shared by every connection
/// that uses it, and its members are called from any thread.
/// </para>
/// </remarks>
public abstract class ConnectionExecution
{
    /// <summary>Initializes a new execution.</summary>
    protected ConnectionExecution()
    {
    }

    /// <summary>The default: loops on the thread pool, signals that never run their waiters inline, senders that write on their own thread.</summary>
    public static ConnectionExecution ThreadPool { get; } = new ThreadPoolExecution();

    /// <summary>
    /// Whether waiters woken by the connection's signals continue on the thread pool rather than
    /// on the thread that wakes them. <see langword="false"/> runs them inline, which is only safe
    /// when nothing the connection does blocks (in-memory transports in tests).
    /// </summary>
    public abstract bool RunContinuationsAsynchronously { get; }

    /// <summary>
    /// Whether a sender that finds the transport free may write its frame on its own thread. Over
    /// transports that allow it this saves a hand-off per message; <see langword="false"/> keeps
    /// every write in the connection's own order instead, which makes the order of bytes on the
    /// wire independent of thread scheduling.
    /// </summary>
    public abstract bool AllowsCallerWrites { get; }

    /// <summary>
    /// Moves the rest of an async method to where the connection's loops run: the connection
    /// awaits it when a loop starts and before work that must not run on the caller's thread
    /// (user code after a handshake, a write loop started by a sender).
    /// </summary>
    /// <returns>The awaitable; an inline execution returns one that is already complete.</returns>
    public abstract ConfiguredValueTaskAwaitable Yield();

    /// <summary>Cancels <paramref name="source"/>, running its callbacks where this execution runs work.</summary>
    /// <param name="source">The source to cancel.</param>
    /// <returns>A task that completes once the callbacks ran.</returns>
    public abstract Task CancelAsync(CancellationTokenSource source);

    /// <summary>A one-shot signal whose waiters continue as <see cref="RunContinuationsAsynchronously"/> says.</summary>
    /// <returns>The signal.</returns>
    internal TaskCompletionSource NewSignal() =>
        new(RunContinuationsAsynchronously ? TaskCreationOptions.RunContinuationsAsynchronously : TaskCreationOptions.None);

    /// <summary>A one-shot signal with a result, whose waiters continue as <see cref="RunContinuationsAsynchronously"/> says.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <returns>The signal.</returns>
    internal TaskCompletionSource<T> NewSignal<T>() =>
        new(RunContinuationsAsynchronously ? TaskCreationOptions.RunContinuationsAsynchronously : TaskCreationOptions.None);

    private sealed class ThreadPoolExecution : ConnectionExecution
    {
        public override bool RunContinuationsAsynchronously => true;

        public override bool AllowsCallerWrites => true;

        public override ConfiguredValueTaskAwaitable Yield() => ThreadPoolSwitch.Yield();

        public override Task CancelAsync(CancellationTokenSource source) => source.CancelAsync();
    }
}
