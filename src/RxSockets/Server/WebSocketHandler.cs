using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace RxSockets;

/// <summary>
/// Runs a connection handler with the rules <see cref="WebSocketServer"/> applies to its own: the
/// connection closes with 1000 when the handler returns, with 1011 (no details sent) when it
/// throws, with the chosen status for a <see cref="WebSocketCloseException"/>, and with 1001
/// "server shutting down" when the host stops it. The handler's token is cancelled when the host
/// stops, and when the connection has closed and the handler has taken the messages that arrived
/// before the close (at the latest a close timeout after the close). Every host of handlers uses
/// it: the listening and unbound servers, the ASP.NET Core endpoint, and a host of your own that
/// accepts connections itself (<see cref="WebSocketConnection.CreateFromStream(System.IO.Stream, ConnectionSide, WebSocketOptions?, UpgradeResult?)"/>).
/// </summary>
/// <remarks>Thread-safe. One handler per connection.</remarks>
public static class WebSocketHandler
{
    /// <summary>The reason of the 1001 close sent to every connection when the server stops.</summary>
    internal const string ShutdownReason = "server shutting down";

    /// <summary>
    /// Adapts an Rx handler to the task style: the connection is subscribed to the returned stream
    /// until the connection closes; the stream's completion closes it with 1000 and its error with 1011.
    /// </summary>
    /// <param name="handler">Returns the messages to send.</param>
    /// <returns>The task-style handler.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    public static Func<WebSocketConnection, CancellationToken, Task> FromRx(Func<WebSocketConnection, IObservable<Message>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return async (connection, _) =>
        {
            IObservable<Message> outgoing = handler(connection) ?? throw new InvalidOperationException("The Rx handler returned null instead of an observable.");
            using (outgoing.Subscribe(connection))
            {
                await connection.Completion.ConfigureAwait(false);
            }
        };
    }

    /// <summary>
    /// Runs <paramref name="handler"/> on <paramref name="connection"/> and closes the connection
    /// as the class says. A failure of the handler is logged to the connection's logger
    /// (<see cref="WebSocketOptions.LoggerFactory"/>) and closes with 1011; it is not rethrown.
    /// </summary>
    /// <param name="connection">The open connection.</param>
    /// <param name="handler">The handler; it gets the connection and its token.</param>
    /// <param name="stopping">Cancelled when the host stops: the handler's token is cancelled and, once the handler returns, the connection closes with 1001.</param>
    /// <returns>A task that completes once the handler has returned and the connection is closed.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static Task RunAsync(WebSocketConnection connection, Func<WebSocketConnection, CancellationToken, Task> handler, CancellationToken stopping = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(handler);
        return RunAsync(connection, handler, connection.Logger, stopping);
    }

    /// <summary>Runs <paramref name="handler"/> and closes the connection as the class says; completes when the connection is closed.</summary>
    /// <param name="connection">The started connection.</param>
    /// <param name="handler">The handler.</param>
    /// <param name="logger">Where handler failures are logged.</param>
    /// <param name="stopping">Cancelled when the server stops; the handler's token is also cancelled once the connection has closed and its messages were taken.</param>
    /// <param name="callerCancelsOnStop">
    /// True when the caller cancels the handler's token itself once <paramref name="stopping"/> is
    /// cancelled (<see cref="HandlerCancellation.Cancel"/>, as <see cref="WebSocketServer"/>
    /// does for all its connections): no registration on <paramref name="stopping"/> per connection.
    /// </param>
    internal static async Task RunAsync(WebSocketConnection connection, Func<WebSocketConnection, CancellationToken, Task> handler, ILogger logger, CancellationToken stopping, bool callerCancelsOnStop = false)
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
