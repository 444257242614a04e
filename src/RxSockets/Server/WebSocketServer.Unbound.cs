using System;
using System.Net;
using System.Threading;
using System.Threading.Tasks;

using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// A server without a listening socket: connections that were accepted elsewhere (an in-memory
/// pipe in RxSockets.Testing) are handed to <see cref="RunAcceptedAsync"/> and go through the same
/// steps as accepted sockets: handshake rate, <see cref="WebSocketServerOptions.MaxConnections"/>,
/// the opening handshake within <see cref="WebSocketOptions.OpenTimeout"/> on the options'
/// <see cref="WebSocketOptions.TimeProvider"/>, the registry, the handler, graceful shutdown.
/// </summary>
public sealed partial class WebSocketServer
{
    /// <summary>Creates a server that listens nowhere; connections come only through <see cref="RunAcceptedAsync"/>.</summary>
    /// <param name="handler">Runs once per connection.</param>
    /// <param name="options">Settings; <see cref="WebSocketServerOptions.Host"/> and <see cref="WebSocketServerOptions.Port"/> only name <see cref="EndPoint"/>, and <see cref="WebSocketServerOptions.Tls"/> is not used (the transports handed over carry plain bytes).</param>
    /// <returns>The server, ready to run accepted transports.</returns>
    internal static WebSocketServer CreateUnbound(Func<WebSocketConnection, CancellationToken, Task> handler, WebSocketServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new WebSocketServer(handler, options, listener: null);
    }

    /// <summary>
    /// Runs one accepted transport as a session, as the accept loop runs a socket: the opening
    /// handshake, then the handler, then cleanup. Counted in <see cref="ActiveSessions"/> from this
    /// call on, so shutdown waits for it. The session starts on the caller's thread (under
    /// an inline <see cref="ConnectionExecution"/> it runs there until it waits).
    /// </summary>
    /// <param name="transport">The accepted transport; the session owns it from now on.</param>
    /// <returns>A task that completes when the session is over; never faults.</returns>
    internal Task RunAcceptedAsync(ITransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        int active = Interlocked.Increment(ref _active);
        return RunAcceptedSessionAsync(transport, active);
    }

    /// <summary>The end point an unbound server reports: its options' host (when it is an address) and port.</summary>
    private static IPEndPoint UnboundEndPoint(WebSocketServerOptions options) =>
        new(IPAddress.TryParse(options.Host, out IPAddress? address) ? address : IPAddress.Loopback, options.Port);

    /// <summary>The steps of <see cref="RunSessionAsync"/> that follow the creation of the transport.</summary>
    private async Task RunAcceptedSessionAsync(ITransport transport, int active)
    {
        WebSocketConnection? connection = null;
        using HandshakeTelemetry telemetry = RxSocketsTelemetry.StartHandshake(_options.MeterFactory, _options.TimeProvider);
        try
        {
            if (_handshakeRate is not null && !_handshakeRate.TryTake())
            {
                var retry = new HttpHeaders();
                retry.Add("Retry-After", "1");
                await RespondAsync(transport, HandshakeResponse.CreateError(429, "Too many handshakes; try again later.", retry), null, telemetry).ConfigureAwait(false);
                return;
            }

            if (_options.MaxConnections > 0 && active > _options.MaxConnections)
            {
                await RespondAsync(transport, HandshakeResponse.CreateError(503, "Too many connections; try again later."), null, telemetry).ConfigureAwait(false);
                return;
            }

            connection = await HandshakeAsync(transport, telemetry).ConfigureAwait(false);
            if (connection is null)
            {
                return;
            }

            try
            {
                await HandlerRunner.RunAsync(connection, _handler, _logger, _shutdown.Token, callerCancelsOnStop: true).ConfigureAwait(false);
            }
            finally
            {
                _connections.TryRemove(connection, out _);
                Notify(_left, connection);
            }
        }
        catch (Exception ex)
        {
            Log.InternalError(_logger, connection?.Id ?? "-", ex);
        }
        finally
        {
            if (connection is null)
            {
                await DisposeQuietlyAsync(transport).ConfigureAwait(false);
            }

            if (Interlocked.Decrement(ref _active) == 0 && _shutdown.IsCancellationRequested && _acceptLoop.IsCompleted)
            {
                _drained.TrySetResult();
            }
        }
    }
}
