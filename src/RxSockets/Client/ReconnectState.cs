namespace RxSockets;

/// <summary>Where a <see cref="ReconnectingWebSocket"/> is in its life.</summary>
public enum ReconnectState
{
    /// <summary>Not started: nothing subscribed yet and <see cref="ReconnectingWebSocket.ConnectAsync"/> not called.</summary>
    Idle = 0,

    /// <summary>An attempt to connect is in progress (TCP, proxy, TLS, the opening handshake, then <see cref="ReconnectOptions.OnConnected"/>).</summary>
    Connecting = 1,

    /// <summary>Connected: messages flow and sends go straight to the connection.</summary>
    Open = 2,

    /// <summary>The connection was lost or an attempt failed with a retryable error; the next attempt starts after a delay.</summary>
    Reconnecting = 3,

    /// <summary>Done for good: stopped by the application, closed normally by the server, failed with a fatal error, or out of attempts.</summary>
    Closed = 4,
}
