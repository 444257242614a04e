namespace RxSockets.Protocol;

/// <summary>What a <see cref="ProtocolEvent"/> reports.</summary>
public enum ProtocolEventType
{
    /// <summary>A complete text message; the payload is valid UTF-8.</summary>
    TextMessage,

    /// <summary>A complete binary message.</summary>
    BinaryMessage,

    /// <summary>A ping; the engine has already queued the pong (while the connection is open).</summary>
    Ping,

    /// <summary>A pong, solicited or not.</summary>
    Pong,

    /// <summary>A close frame; <see cref="ProtocolEvent.CloseStatus"/> holds its code and reason.</summary>
    Close,

    /// <summary>The engine failed the connection; <see cref="ProtocolEvent.Error"/> says why.</summary>
    Failed,
}
