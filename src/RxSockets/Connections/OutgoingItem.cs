using System.Threading.Tasks;

using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// One thing to send, as the <see cref="Outbox"/> holds it: a data message (framed by this
/// connection, or beforehand for many), a ping, or a close. A value: written at once it costs no
/// allocation; queued it lives in the outbox's ring.
/// </summary>
internal readonly struct OutgoingItem
{
    private OutgoingItem(OutgoingKind kind, Message message, PreparedFrame? prepared, CloseStatus? close, long size, TaskCompletionSource? completion)
    {
        Kind = kind;
        Message = message;
        Prepared = prepared;
        Close = close;
        Size = size;
        Completion = completion;
    }

    public OutgoingKind Kind { get; }

    /// <summary>The data message, or the ping's payload as binary data.</summary>
    public Message Message { get; }

    /// <summary>The message's frame built once for many connections, or null when this connection frames the message itself.</summary>
    public PreparedFrame? Prepared { get; }

    /// <summary>For <see cref="OutgoingKind.Close"/>: the status, or null for a close frame without a code.</summary>
    public CloseStatus? Close { get; }

    /// <summary>Bytes counted against the high-water mark while the item waits (one per UTF-16 unit for text).</summary>
    public long Size { get; }

    /// <summary>Completed once the frame was flushed to the transport, or failed if it never will be; null when nobody waits.</summary>
    public TaskCompletionSource? Completion { get; }

    /// <summary>The pooled received payload this message reuses, if any: a queued item holds it until written.</summary>
    public PooledPayload? Pooled => Kind == OutgoingKind.Message && Prepared is null ? PooledPayload.Of(Message) : null;

    public static OutgoingItem Data(Message message) =>
        new(OutgoingKind.Message, message, null, null, message.IsText ? message.TextData!.Length : message.BinaryData.Length, null);

    public static OutgoingItem Data(PreparedMessage message) =>
        new(OutgoingKind.Message, message.Message, message.Frame, null, message.Length, null);

    public static OutgoingItem Ping(byte[] payload) => new(OutgoingKind.Ping, Message.FromBinary(payload), null, null, 0, null);

    public static OutgoingItem Closing(CloseStatus status) => new(OutgoingKind.Close, default, null, status, 0, null);

    /// <summary>This item with a completion its sender waits on.</summary>
    public OutgoingItem WithCompletion(TaskCompletionSource completion) => new(Kind, Message, Prepared, Close, Size, completion);
}

/// <summary>What an <see cref="OutgoingItem"/> asks the outbox to write.</summary>
internal enum OutgoingKind
{
    /// <summary>A data message.</summary>
    Message,

    /// <summary>A ping whose payload is the message's binary data.</summary>
    Ping,

    /// <summary>The start of the closing handshake.</summary>
    Close,
}
