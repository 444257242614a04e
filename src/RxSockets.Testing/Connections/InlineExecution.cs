using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Testing;

/// <summary>
/// The execution virtual-time tests inject into their connections: loops start synchronously,
/// signals complete their waiters on the calling thread, and every frame goes through the
/// connection's own writer. With in-memory pipes on inline schedulers, a whole exchange then
/// happens inside the call that started it, in one deterministic order. Never for real sockets.
/// </summary>
internal sealed class InlineExecution : ConnectionExecution
{
    /// <summary>The one instance (stateless).</summary>
    public static InlineExecution Instance { get; } = new();

    private InlineExecution()
    {
    }

    public override bool RunContinuationsAsynchronously => false;

    public override bool AllowsCallerWrites => false;

    public override ConfiguredValueTaskAwaitable Yield() => ValueTask.CompletedTask.ConfigureAwait(false);

    /// <summary>Cancels on the calling thread: callbacks run here, as everything else does inline.</summary>
    public override Task CancelAsync(CancellationTokenSource source)
    {
        source.Cancel();
        return Task.CompletedTask;
    }
}
