namespace RxSockets;

/// <summary>The states of a WebSocket connection (RFC 6455 §4, §7).</summary>
public enum ConnectionState
{
    /// <summary>The opening handshake is in progress.</summary>
    Connecting,

    /// <summary>The handshake succeeded; data frames flow both ways.</summary>
    Open,

    /// <summary>A close frame was sent or received; the closing handshake is in progress.</summary>
    Closing,

    /// <summary>Both close frames were exchanged, the connection failed, or the transport ended.</summary>
    Closed,
}
