
namespace RxSockets;

/// <summary>The peer sent a message, frame or fragment count over the configured limits (close 1009).</summary>
/// <remarks>Immutable.</remarks>
public sealed class MessageTooLargeException : WebSocketProtocolException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="error">Which limit: <see cref="ProtocolError.MessageTooBig"/>, <see cref="ProtocolError.FrameTooBig"/> or <see cref="ProtocolError.TooManyFragments"/>.</param>
    /// <param name="statusSent">The close status sent (1009).</param>
    public MessageTooLargeException(ProtocolError error, CloseStatus statusSent)
        : base(error, statusSent)
    {
    }
}
