
namespace RxSockets;

/// <summary>The peer broke the protocol or a limit, so this endpoint failed the connection.</summary>
/// <remarks>Carried as the inner exception of the <see cref="ConnectionClosedException"/> that subscribers receive.</remarks>
public class WebSocketProtocolException : RxSocketsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="error">What the peer did wrong.</param>
    /// <param name="statusSent">The close status this endpoint sent.</param>
    public WebSocketProtocolException(ProtocolError error, CloseStatus statusSent)
        : base($"WebSocket protocol error: {error} (closed with {statusSent}).")
    {
        Error = error;
        StatusSent = statusSent;
    }

    /// <summary>What the peer did wrong; stable values, listed in the README.</summary>
    public ProtocolError Error { get; }

    /// <summary>The close status this endpoint sent.</summary>
    public CloseStatus StatusSent { get; }
}
