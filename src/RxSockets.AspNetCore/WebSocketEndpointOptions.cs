using System;
using System.Collections.Generic;

using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// Settings of one <c>MapWebSocket</c> endpoint: the per-connection <see cref="WebSocketOptions"/>
/// (limits, queues, keepalive, timeouts, compression) plus what the opening handshake negotiates.
/// </summary>
/// <remarks>
/// Set before the endpoint is mapped; not to be changed afterwards. When
/// <see cref="WebSocketOptions.LoggerFactory"/> or <see cref="WebSocketOptions.MeterFactory"/> is
/// <see langword="null"/>, the endpoint uses the app's (from its services) and sets them on this
/// instance when it is mapped. <see cref="WebSocketOptions.OpenTimeout"/> does not apply: Kestrel's
/// own limits (<c>KestrelServerLimits.RequestHeadersTimeout</c>) bound the request head.
/// </remarks>
public sealed class WebSocketEndpointOptions : WebSocketOptions
{
    /// <summary>Subprotocols the endpoint supports, in order of preference; the first one the client offers is selected. Default none.</summary>
    public IReadOnlyList<string> Subprotocols { get; set; } = [];

    /// <summary>
    /// Chooses the subprotocol from the ones the client offered (in the client's order); return
    /// <see langword="null"/> for none. Overrides <see cref="Subprotocols"/>. Must return one of the
    /// offered values.
    /// </summary>
    public Func<HandshakeRequest, IReadOnlyList<string>, string?>? SelectSubprotocol { get; set; }

    /// <summary>
    /// Which <c>Origin</c> headers may open a connection (refused ones get 403), as for
    /// <see cref="WebSocketServerOptions.Origins"/>; <see langword="null"/> (the default) accepts any.
    /// ASP.NET Core's CORS middleware does not apply to WebSocket upgrades (browsers do not send
    /// preflights for them), so this is the check that protects a browser-facing endpoint.
    /// </summary>
    public OriginPolicy? Origins { get; set; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        ArgumentNullException.ThrowIfNull(Subprotocols);
    }
}
