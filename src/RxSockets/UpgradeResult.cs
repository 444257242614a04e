using System.Net;

using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// What an opening handshake done outside RxSockets agreed, for a connection created over its
/// stream or pipe (<see cref="WebSocketConnection.CreateFromStream"/>, <see cref="WebSocketConnection.CreateFromPipe"/>).
/// </summary>
/// <remarks>Immutable once created; thread-safe.</remarks>
public sealed record UpgradeResult
{
    /// <summary>The subprotocol both ends agreed on, or <see langword="null"/>.</summary>
    public string? Subprotocol { get; init; }

    /// <summary>permessage-deflate as negotiated (<see cref="PerMessageDeflate.TryAccept"/> on a server, <see cref="PerMessageDeflate.TryAcceptResponse"/> on a client), or <see langword="null"/> for none.</summary>
    public PerMessageDeflate? Compression { get; init; }

    /// <summary>On a server, the client's request (path, query, headers), which the connection exposes as <see cref="WebSocketConnection.Request"/>.</summary>
    public HandshakeRequest? Request { get; init; }

    /// <summary>The local address, when there is one.</summary>
    public EndPoint? LocalEndPoint { get; init; }

    /// <summary>The peer's address, when there is one.</summary>
    public EndPoint? RemoteEndPoint { get; init; }
}
