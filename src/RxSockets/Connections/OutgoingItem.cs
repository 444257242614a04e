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
    }

    public OutgoingKind Kind { get; }

    public Message Message { get; }

    /// <summary>For <see cref="OutgoingKind.Close"/>: the status, or null for a close frame without a code.</summary>
    public CloseStatus? Close { get; }

    /// <summary>Bytes accounted against the write high-water mark (approximate for text).</summary>
    public long Size { get; }

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
