using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Testing;

/// <summary>
/// A <see cref="ConnectionExecution"/> that runs everything on the calling thread: loops start
/// synchronously, signals complete their waiters inline, and every frame goes through the
/// connection's own writer. Over inline in-memory pipes (<see cref="InMemoryDuplexPipe.CreatePair"/>
/// with <c>inline: true</c>) and a virtual clock, a whole exchange then happens inside the call that
/// started it, in one deterministic order. The virtual connections and servers of this package set
/// it themselves; set it through <see cref="WebSocketOptions.Execution"/> only to build harnesses of
/// your own. Never for real sockets.
/// </summary>
/// <remarks>Stateless and shared: use <see cref="Instance"/>.</remarks>
public sealed class InlineExecution : ConnectionExecution
{
    private InlineExecution()
    {
    }

    /// <summary>The one instance.</summary>
    public static InlineExecution Instance { get; } = new();

    /// <inheritdoc/>
    /// <value>Always <see langword="false"/>: waiters continue on the thread that completes their signal.</value>
    public override bool RunContinuationsAsynchronously => false;

    /// <inheritdoc/>
    /// <value>Always <see langword="false"/>: the connection writes every frame itself, in its own order.</value>
    public override bool AllowsCallerWrites => false;

    /// <inheritdoc/>
    public override ConfiguredValueTaskAwaitable Yield() => ValueTask.CompletedTask.ConfigureAwait(false);

    /// <summary>Cancels on the calling thread: callbacks run here, as everything else does inline.</summary>
    /// <param name="source">The source to cancel.</param>
    /// <returns>A completed task.</returns>
    public override Task CancelAsync(CancellationTokenSource source)
    {
        System.ArgumentNullException.ThrowIfNull(source);
        source.Cancel();
        return Task.CompletedTask;
    }
}
