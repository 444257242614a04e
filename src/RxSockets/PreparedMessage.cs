using System;

using RxSockets.Protocol;

namespace RxSockets;

/// <summary>
/// A data message serialised and framed once, to be sent as the same bytes to many server
/// connections (<see cref="WebSocketConnection.TrySend(PreparedMessage)"/>,
/// <see cref="WebSocketServer.Broadcast(PreparedMessage)"/>): a broadcast to N connections costs
/// one encoding and one frame instead of N.
/// </summary>
/// <remarks>
/// The frame is sent uncompressed, also on connections that negotiated permessage-deflate (each
/// message may choose, RFC 7692 §6). A client connection must mask every frame with its own key,
/// so there the message is framed again for each send. The message's bytes are copied into the
/// frame: the <see cref="Message"/> may be changed or disposed once the constructor returns.
/// Immutable and thread-safe.
/// </remarks>
public sealed class PreparedMessage
{
    /// <summary>Frames <paramref name="message"/>.</summary>
    /// <param name="message">The message.</param>
    /// <exception cref="ArgumentException">A text message contains a lone surrogate.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="message"/> came from a <see cref="PooledMessage"/> that was disposed.</exception>
    public PreparedMessage(Message message)
    {
        PooledPayload.Of(message)?.ThrowIfReleased();
        Frame = message.IsText ? PreparedFrame.Text(message.TextData.AsSpan()) : PreparedFrame.Binary(message.BinaryData.Span);
        Message = message.IsText ? message : Message.FromBinary(Frame.Bytes[^Frame.PayloadLength..]);
    }

    /// <summary>The message (for a binary message, its payload as held inside the frame).</summary>
    public Message Message { get; }

    /// <summary>The frame's size on the wire (header and payload).</summary>
    public int Length => Frame.Bytes.Length;

    /// <summary>The frame every server connection writes.</summary>
    internal PreparedFrame Frame { get; }
}
