using System;

namespace RxSockets;

/// <summary>
/// A received message whose payload may live in pooled memory: what
/// <see cref="WebSocketConnection.ReceivePooledAsync"/> returns. Dispose it when done with the
/// payload; the memory then serves the next large message instead of becoming garbage.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Large binary messages (above 16 KiB) are pooled; text and small binary messages are
/// ordinary messages that own their bytes, and disposing them does nothing.</item>
/// <item>Use <see cref="Message"/> only until <see cref="Dispose"/> (copy the bytes to keep them
/// longer). Once the memory is back in the pool, reading the payload throws
/// <see cref="ObjectDisposedException"/>; while a send still holds it, a read after
/// <see cref="Dispose"/> may still succeed, so do not rely on it. Disposing twice, or disposing a
/// copy of the value, is harmless.</item>
/// <item>Sending the message (<see cref="WebSocketConnection.SendAsync(RxSockets.Message, System.Threading.CancellationToken)"/>,
/// <c>OnNext</c>, broadcast) is safe at any time before disposing: a send that still uses the
/// bytes keeps the memory out of the pool until it is done, even when its caller was cancelled or
/// disposed the message first.</item>
/// </list>
/// </remarks>
public readonly struct PooledMessage : IDisposable
{
    private readonly PooledPayload? _payload;

    internal PooledMessage(Message message, PooledPayload? payload)
    {
        Message = message;
        _payload = payload;
    }

    /// <summary>A received message with the pooled payload it may hold.</summary>
    internal static PooledMessage Of(Message message) => new(message, PooledPayload.Of(message));

    /// <summary>The message; its payload is valid until <see cref="Dispose"/>.</summary>
    public Message Message { get; }

    /// <summary>Whether the payload is pooled memory (a large binary message) rather than bytes the message owns.</summary>
    public bool IsPooled => _payload is not null;

    /// <summary>Returns the payload's memory to the pool once no send uses it any more.</summary>
    public void Dispose() => _payload?.ReleaseReceiver();
}
