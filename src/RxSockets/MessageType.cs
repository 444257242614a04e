namespace RxSockets;

/// <summary>The two kinds of WebSocket data message (RFC 6455 §5.6).</summary>
public enum MessageType
{
    /// <summary>A UTF-8 text message.</summary>
    Text,

    /// <summary>A binary message.</summary>
    Binary,
}
