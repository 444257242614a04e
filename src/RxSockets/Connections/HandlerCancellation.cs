using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace RxSockets;

/// <summary>
/// The cancellation token a server handler runs with (<see cref="WebSocketHandler"/>): cancelled when
/// the server stops (<see cref="Cancel"/>), and when the connection has closed and the handler has
/// taken the messages that arrived before the close (<see cref="CancelOnceDrained"/>), so a peer
/// that sends and closes at once does not cancel a handler that has yet to read them. A handler
/// that never reads them sees its token cancelled a close timeout after the close.
/// </summary>
/// <remarks>Thread-safe. One handler per connection: the token is created once.</remarks>
internal sealed class HandlerCancellation(IncomingQueue<Message> incoming, Task closed, WebSocketOptions options, ILogger logger, string connectionId)
{
    /// <summary>The handler's token source, once <see cref="CreateToken"/> ran.</summary>
    private CancellationTokenSource? _source;

    /// <summary>Creates the handler's token, or returns the one already created.</summary>
    /// <param name="stopping">Already cancelled when the server is stopping: the token starts cancelled.</param>
    /// <returns>The handler's token.</returns>
    public CancellationToken CreateToken(CancellationToken stopping)
    {
        var source = new CancellationTokenSource();
        if (Interlocked.CompareExchange(ref _source, source, null) is { } existing)
        {
            source.Dispose();
            return existing.Token;
        }

        // Published before the checks (a full fence): whoever finishes later, this or the
        // connection's end or the server's stop, sees the other and cancels.
        if (stopping.IsCancellationRequested)
        {
            Cancel();
        }
        else if (closed.IsCompleted)
        {
            CancelOnceDrained();
        }

        return source.Token;
    }

    /// <summary>Cancels the handler's token now, if a handler runs; callbacks registered on it run here.</summary>
    public void Cancel()
    {
        if (Volatile.Read(ref _source) is not { } source)
        {
            return;
        }

        try
        {
            source.Cancel();
        }
        catch (AggregateException ex)
        {
            Log.InternalError(logger, connectionId, ex); // a callback registered by the handler threw
        }
    }

    /// <summary>
    /// Cancels the handler's token now that the connection is closed, once the messages that arrived
    /// before were taken, and at most <see cref="WebSocketOptions.CloseTimeout"/> later.
    /// </summary>
    public void CancelOnceDrained()
    {
        Task caughtUp = incoming.WhenCaughtUpAsync();
        if (caughtUp.IsCompleted)
        {
            Cancel();
            return;
        }

        _ = CancelWhenCaughtUpAsync(caughtUp);
    }

    private async Task CancelWhenCaughtUpAsync(Task caughtUp)
    {
        try
        {
            await caughtUp.WaitAsync(options.CloseTimeout, options.TimeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The handler never took them: its token is cancelled anyway.
        }

        Cancel();
    }
}
