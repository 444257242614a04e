namespace RxSockets;

/// <summary>What a <see cref="ReconnectingWebSocket"/> does with messages sent while no connection is open.</summary>
public enum DisconnectedSends
{
    /// <summary>
    /// Refuse them: <see cref="ReconnectingWebSocket.SendAsync(Message, System.Threading.CancellationToken)"/> throws a <see cref="DisconnectedException"/>,
    /// and a message given to the sink's <c>OnNext</c> goes to <see cref="ReconnectingWebSocket.Undelivered"/>.
    /// The default: a message that made sense a minute ago (a price, a cursor position) may not after a reconnect.
    /// </summary>
    Fail = 0,

    /// <summary>
    /// Keep them, up to <see cref="ReconnectOptions.BufferLimit"/> bytes, and send them in order on the
    /// next connection, after <see cref="ReconnectOptions.OnConnected"/> and before anything sent later.
    /// Beyond the limit, <c>SendAsync</c> throws and <c>OnNext</c> hands the message to
    /// <see cref="ReconnectingWebSocket.Undelivered"/>. Delivery is at most once: what a lost connection
    /// had queued or in flight is not sent again.
    /// </summary>
    Buffer = 1,
}
