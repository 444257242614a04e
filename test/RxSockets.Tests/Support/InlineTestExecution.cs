using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace RxSockets.Tests;

/// <summary>
/// An inline execution for deterministic runtime tests over inline in-memory pipes: a write by
/// the peer runs the connection's read loop (and its writes) to completion before it returns.
/// RxSockets.Testing has its own; this one keeps RxSockets.Tests independent of it.
/// </summary>
internal sealed class InlineTestExecution : ConnectionExecution
{
    public static InlineTestExecution Instance { get; } = new();

    public override bool RunContinuationsAsynchronously => false;

    public override bool AllowsCallerWrites => false;

    public override ConfiguredValueTaskAwaitable Yield() => ValueTask.CompletedTask.ConfigureAwait(false);

    public override Task CancelAsync(CancellationTokenSource source)
    {
        source.Cancel();
        return Task.CompletedTask;
    }
}
