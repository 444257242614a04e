using System;
using System.IO;
using System.IO.Pipelines;
using System.Net;

namespace RxSockets;

/// <summary>Connections over a caller's stream or pipe whose opening handshake is already done (<c>WebSocket.CreateFromStream</c>'s counterpart).</summary>
public sealed partial class WebSocketConnection
{
    /// <summary>
    /// Runs a WebSocket connection over <paramref name="stream"/>, which already carries frames:
    /// the opening handshake was done elsewhere (an HTTP host that upgraded the request, a custom
    /// transport, a Unix domain socket with a handshake of its own). Everything else is the same
    /// as for the connections <see cref="WebSocketServer"/> and <see cref="WebSocketClient"/> make:
    /// the Rx and async surfaces, keepalive, limits, backpressure, the closing handshake.
    /// </summary>
    /// <param name="stream">A readable and writable stream; the connection owns it and disposes it when it closes.</param>
    /// <param name="side">Which end this is: a client masks its frames and expects unmasked ones.</param>
    /// <param name="options">Settings (limits, queue sizes, keepalive, timeouts, clock, logging); <see langword="null"/> for defaults.</param>
    /// <param name="upgrade">What the handshake agreed (subprotocol, permessage-deflate, the request), or <see langword="null"/> for none.</param>
    /// <returns>The running connection.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> cannot both read and write.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting in <paramref name="options"/> is out of range.</exception>
    /// <example>
    /// <code>
    /// // a Unix domain socket whose two ends agreed to speak WebSocket frames
    /// await using WebSocketConnection ws = WebSocketConnection.CreateFromStream(new NetworkStream(socket, ownsSocket: true), ConnectionSide.Client);
    /// await ws.SendAsync("hello");
    /// </code>
    /// </example>
    public static WebSocketConnection CreateFromStream(Stream stream, ConnectionSide side, WebSocketOptions? options = null, UpgradeResult? upgrade = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead || !stream.CanWrite)
        {
            throw new ArgumentException("The stream must be readable and writable.", nameof(stream));
        }

        return Start(new StreamTransport(stream), side, options, upgrade);
    }

    /// <summary>
    /// Runs a WebSocket connection over <paramref name="pipe"/>, which already carries frames (see
    /// <see cref="CreateFromStream"/>). The connection completes both ends of the pipe when it closes.
    /// </summary>
    /// <param name="pipe">The duplex pipe.</param>
    /// <param name="side">Which end this is: a client masks its frames and expects unmasked ones.</param>
    /// <param name="options">Settings; <see langword="null"/> for defaults.</param>
    /// <param name="upgrade">What the handshake agreed, or <see langword="null"/> for none.</param>
    /// <returns>The running connection.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pipe"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting in <paramref name="options"/> is out of range.</exception>
    public static WebSocketConnection CreateFromPipe(IDuplexPipe pipe, ConnectionSide side, WebSocketOptions? options = null, UpgradeResult? upgrade = null)
    {
        ArgumentNullException.ThrowIfNull(pipe);
        return Start(new DuplexPipeTransport(pipe, upgrade?.LocalEndPoint, upgrade?.RemoteEndPoint, flushHandsOff: false), side, options, upgrade);
    }

    /// <summary>Creates and starts a connection over an upgraded transport.</summary>
    internal static WebSocketConnection Start(ITransport transport, ConnectionSide side, WebSocketOptions? options, UpgradeResult? upgrade)
    {
        WebSocketOptions settings = (options ?? new WebSocketOptions()).CloneConnectionOptions();
        settings.Validate();
        var connection = new WebSocketConnection(transport, side, settings, upgrade?.Request, upgrade?.Subprotocol, upgrade?.Compression);
        connection.Start();
        return connection;
    }
}
