using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace RxSockets;

/// <summary>
/// Runs one connection handler with the server's rules: the connection closes with 1000 when the
/// handler returns, with 1011 (no details sent) when it throws, with the chosen status for a
/// <see cref="WebSocketCloseException"/>, and with 1001 when the server stops it. Shared by
/// every <see cref="WebSocketServer"/> session, listening or unbound, so harnesses built on
/// <see cref="WebSocketServer.CreateUnbound(Func{WebSocketConnection, CancellationToken, Task}, WebSocketServerOptions?)"/>
/// (RxSockets.Testing's) run handlers exactly as servers do.
/// </summary>
internal static class HandlerRunner
{
    /// <summary>The reason of the 1001 close sent to every connection when the server stops.</summary>
    public const string ShutdownReason = "server shutting down";

    /// <summary>Adapts an Rx handler: the connection is subscribed to the returned stream until it closes.</summary>
    public static Func<WebSocketConnection, CancellationToken, Task> FromRx(Func<WebSocketConnection, IObservable<Message>> handler) =>
        async (connection, _) =>
        {
            IObservable<Message> outgoing = handler(connection) ?? throw new InvalidOperationException("The Rx handler returned null instead of an observable.");
            using (outgoing.Subscribe(connection))
            {
                await connection.Completion.ConfigureAwait(false);
            }
        };

    /// <summary>Runs <paramref name="handler"/> and closes the connection as the class says; completes when the connection is closed.</summary>
    /// <param name="connection">The started connection.</param>
    /// <param name="handler">The handler.</param>
    /// <param name="stopping">Cancelled when the server stops; the handler's token is also cancelled once the connection has closed and its messages were taken.</param>
    /// <param name="logger">Where handler failures are logged.</param>
    /// <param name="callerCancelsOnStop">
    /// True when the caller cancels the handler's token itself once <paramref name="stopping"/> is
    /// cancelled (<see cref="HandlerCancellation.Cancel"/>, as <see cref="WebSocketServer"/>
    /// does for all its connections): no registration on <paramref name="stopping"/> per connection.
    /// </param>
    public static async Task RunAsync(WebSocketConnection connection, Func<WebSocketConnection, CancellationToken, Task> handler, ILogger logger, CancellationToken stopping, bool callerCancelsOnStop = false)
    {
        // The connection cancels this token itself once it closed and its messages were taken; the server cancels it when it
        // stops (WebSocketServer.StopAsync). No linked source on the server's token and no
        // continuation on Completion per connection.
        CancellationToken handlerToken = connection.HandlerCancellation.CreateToken(stopping);
        using CancellationTokenRegistration stop = callerCancelsOnStop
            ? default
            : stopping.UnsafeRegister(static state => ((HandlerCancellation)state!).Cancel(), connection.HandlerCancellation);
        try
        {
            await handler(connection, handlerToken).ConfigureAwait(false);

            // A handler that returns because the server is stopping closes as the server does.
            await (stopping.IsCancellationRequested
                ? connection.CloseAsync(CloseCode.GoingAway, ShutdownReason, CancellationToken.None)
                : connection.CloseAsync(CloseCode.NormalClosure, string.Empty, CancellationToken.None)).ConfigureAwait(false);
        }
        catch (WebSocketCloseException close)
        {
            await connection.CloseAsync(close.Status.Code, close.Status.Reason, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ConnectionClosedException || (ex is OperationCanceledException && handlerToken.IsCancellationRequested))
        {
            // The connection closed under the handler, or the server is stopping: not a handler bug.
            // A handler that watches its token usually gets here before the server's own 1001, so
            // it sends the same reason: the peer must not see a reason that depends on timing.
            await connection.CloseAsync(CloseCode.GoingAway, stopping.IsCancellationRequested ? ShutdownReason : string.Empty, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // python websockets: a handler that raises closes the connection with 1011, without details.
            Log.HandlerFailed(logger, connection.Id, ex);
            await connection.CloseAsync(CloseCode.InternalError, string.Empty, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await connection.Completion.ConfigureAwait(false);
        }
    }
}
