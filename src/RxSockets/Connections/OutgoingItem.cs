using System.Threading.Tasks;
using RxSockets.Protocol;

namespace RxSockets;

/// <summary>One entry of a connection's ordered send queue.</summary>
internal sealed class OutgoingItem
{
    public static readonly OutgoingItem FlushPending = new(OutgoingKind.Flush, default, default, 0, null);

    public OutgoingItem(OutgoingKind kind, Message message, CloseStatus? close, long size, TaskCompletionSource? completion)
    {
        Kind = kind;
        Message = message;
        Close = close;
        Size = size;
        Completion = completion;

        // A pooled received payload stays out of the pool while this item may still read it.
        Pooled = kind == OutgoingKind.Close ? null : PooledPayload.Of(message);
        Pooled?.Retain();
    }

    /// <summary>A message framed beforehand: a server writes <paramref name="prepared"/>'s frame as it is.</summary>
    public OutgoingItem(PreparedMessage prepared)
    {
        Kind = OutgoingKind.Message;
        Message = prepared.Message;
        Prepared = prepared.Frame;
        Size = prepared.Length;
    }

    public OutgoingKind Kind { get; }

    public Message Message { get; }

    /// <summary>The message's frame, built once for many connections, or null when this connection frames the message itself.</summary>
    public PreparedFrame? Prepared { get; }

    /// <summary>For <see cref="OutgoingKind.Close"/>: the status, or null for a close frame without a code.</summary>
    public CloseStatus? Close { get; }

    /// <summary>Bytes accounted against the write high-water mark (approximate for text).</summary>
    public long Size { get; }

    /// <summary>The pooled payload this item holds until the write loop is done with it (<see cref="ReleasePayload"/>); null for ordinary memory.</summary>
    public PooledPayload? Pooled { get; private set; }

    /// <summary>Lets go of the pooled payload, once: its bytes were written (or will never be).</summary>
    public void ReleasePayload()
    {
        PooledPayload? pooled = Pooled;
        Pooled = null;
        pooled?.Release();
    }

    /// <summary>Completed once the frame was flushed to the transport, or failed if it never will be; null for fire-and-forget.</summary>
    public TaskCompletionSource? Completion { get; }
}

/// <summary>What an <see cref="OutgoingItem"/> asks the write loop to do.</summary>
internal enum OutgoingKind
{
    /// <summary>Send a data message.</summary>
    Message,

    /// <summary>Send a ping whose payload is in the message's binary data.</summary>
    Ping,

    /// <summary>Start the closing handshake.</summary>
    Close,

    /// <summary>Write what the engine queued by itself (pong, close echo, failure close).</summary>
    Flush,
}
