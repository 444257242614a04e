using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace RxSockets;

/// <summary>
/// Runs an endpoint's handler with the standalone server's rules: the connection closes with 1000
/// when the handler returns, 1011 (no details sent) when it throws, the chosen status for a
/// <see cref="WebSocketCloseException"/>, and 1001 "server shutting down" when the app stops.
/// The handler's token is cancelled when the connection closes or the app stops.
/// </summary>
internal static class EndpointHandlerRunner
{
    public static async Task RunAsync(HttpContext context, WebSocketConnection connection, Func<HttpContext, WebSocketConnection, CancellationToken, Task> handler, ILogger logger, CancellationToken stopping)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _ = connection.Completion.ContinueWith(static (_, state) => Cancel((CancellationTokenSource)state!), cancel, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        CancellationToken token = cancel.Token;
        try
        {
            await handler(context, connection, token).ConfigureAwait(false);
            await (stopping.IsCancellationRequested
                ? connection.CloseAsync(CloseCode.GoingAway, EndpointConnections.ShutdownReason, CancellationToken.None)
                : connection.CloseAsync(CloseCode.NormalClosure, string.Empty, CancellationToken.None)).ConfigureAwait(false);
        }
        catch (WebSocketCloseException close)
        {
            await connection.CloseAsync(close.Status.Code, close.Status.Reason, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ConnectionClosedException || (ex is OperationCanceledException && token.IsCancellationRequested))
        {
            // The connection closed under the handler, or the app is stopping: not a handler bug.
            await connection.CloseAsync(CloseCode.GoingAway, stopping.IsCancellationRequested ? EndpointConnections.ShutdownReason : string.Empty, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(logger, connection.Id, ex);
            await connection.CloseAsync(CloseCode.InternalError, string.Empty, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await connection.Completion.ConfigureAwait(false);
        }
    }

    private static void Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The handler ended and its source was disposed first.
        }
        catch (AggregateException)
        {
            // A callback the handler registered threw; the handler is told through its token anyway.
        }
    }
}
