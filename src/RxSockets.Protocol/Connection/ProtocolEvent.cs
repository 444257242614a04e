using System;

namespace RxSockets.Protocol;

/// <summary>One thing that happened on the connection, read with <see cref="ProtocolConnection.TryReadEvent(out ProtocolEvent)"/>.</summary>
/// <remarks>
/// <see cref="Payload"/> borrows the engine's buffer: it stays valid only until the next call to
/// <see cref="ProtocolConnection.ReceiveData"/> or <see cref="ProtocolConnection.ReceiveEof"/>.
/// Copy it to keep it. This is what lets the engine parse without allocating.
/// </remarks>
public readonly struct ProtocolEvent
{
    internal ProtocolEvent(ProtocolEventType type, ReadOnlyMemory<byte> payload, CloseStatus closeStatus = default, ProtocolError error = ProtocolError.None)
    {
        Type = type;
        Payload = payload;
        CloseStatus = closeStatus;
        Error = error;
    }

    /// <summary>What happened.</summary>
    public ProtocolEventType Type { get; }

    /// <summary>The message, ping or pong payload (unmasked); borrowed, see the type's remarks.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>
    /// For <see cref="ProtocolEventType.Close"/>, the status received (1005 when the frame had no
    /// code); for <see cref="ProtocolEventType.Failed"/>, the status the engine sent.
    /// </summary>
    public CloseStatus CloseStatus { get; }

    /// <summary>For <see cref="ProtocolEventType.Failed"/>, why the connection failed.</summary>
    public ProtocolError Error { get; }

    /// <inheritdoc/>
    public override string ToString() => Type switch
    {
        ProtocolEventType.Close => $"Close {CloseStatus}",
        ProtocolEventType.Failed => $"Failed {Error} ({CloseStatus})",
        _ => $"{Type} ({Payload.Length} bytes)",
    };
}
